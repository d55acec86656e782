/**
 * All-or-nothing writing: every file goes to a temporary name beside its target first; only
 * when all are on disk are they renamed into place. A failure before that removes the
 * temporary files and leaves the content folder as it was.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile, access } from 'node:fs/promises';
import path from 'node:path';
import { SamizdatError } from '../errors.ts';

export interface PendingFile {
  /** Absolute path. */
  path: string;
  data: string | Buffer;
  /** False: refuse if the file appeared meanwhile. */
  overwrite: boolean;
}

export async function writeAll(files: PendingFile[]): Promise<void> {
  const tag = randomBytes(4).toString('hex');
  const staged: Array<{ tmp: string; final: string }> = [];
  try {
    for (const f of files) {
      if (!f.overwrite && (await exists(f.path))) {
        throw new SamizdatError('INGEST_CLASH', `${f.path} appeared while ingest was running; nothing was written`, { file: f.path, hint: 'Run ingest again.' });
      }
      await mkdir(path.dirname(f.path), { recursive: true });
      const tmp = path.join(path.dirname(f.path), `.${path.basename(f.path)}.${tag}.tmp`);
      await writeFile(tmp, f.data, { flag: 'wx' });
      staged.push({ tmp, final: f.path });
    }
  } catch (err) {
    await Promise.all(staged.map((s) => rm(s.tmp, { force: true })));
    if (err instanceof SamizdatError) throw err;
    throw new SamizdatError('INGEST_WRITE_FAILED', `could not write the articles: ${(err as Error).message}; nothing was written`, { cause: err, hint: 'Check that the content folder is writable and the disk is not full.' });
  }
  for (const s of staged) await rename(s.tmp, s.final);
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}
