import { stat } from 'node:fs/promises';
import { InputError } from '../../errors.ts';

/**
 * The size of the local file a put sends, checked before anything is sent, so a missing or
 * unreadable source fails at once, touches nothing on the host and is not retried.
 */
export async function localSourceSize(host: string, localPath: string): Promise<number> {
  try {
    const s = await stat(localPath);
    if (!s.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    return s.size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError('PUSH_SOURCE_UNREADABLE', `mirror ${host}: cannot read the local file ${localPath} (${code}); nothing was sent`, {
      file: localPath,
      hint: 'The bundle changed while pushing: run `samizdat build` again, then push.',
      cause: err,
    });
  }
}
