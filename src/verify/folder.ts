// A copy in a folder: an unzipped zip, a USB stick, a bundle just built.
import { readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { hashFile } from '../manifest/hash.ts';
import type { ManifestFile } from '../manifest/types.ts';
import type { CopySource, FileCheck } from './types.ts';

export async function openFolder(dir: string): Promise<CopySource> {
  const root = await realpath(dir);
  return {
    kind: 'folder',
    async readSmall(name, maxBytes) {
      try {
        const bytes = await readFile(path.join(root, name));
        return bytes.length > maxBytes ? bytes.subarray(0, maxBytes + 1) : bytes;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async check(file: ManifestFile, signal): Promise<FileCheck> {
      const abs = path.join(root, ...file.path.split('/'));
      let real: string;
      try {
        real = await realpath(abs);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 'missing' };
        return { status: 'failed', code: code ?? 'READ_FAILED', message: (err as Error).message, retryable: false };
      }
      // A symbolic link anywhere on the way could point out of the copy: never part of a bundle.
      if (real !== abs) return { status: 'changed', reason: 'it is (or lies behind) a symbolic link' };
      try {
        return { status: 'found', ...(await hashFile(real, signal)) };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOTFILE' || code === 'EISDIR') return { status: 'changed', reason: 'it is not a regular file' };
        if (code === 'ENOENT') return { status: 'missing' };
        if ((err as Error).name === 'AbortError') throw err;
        return { status: 'failed', code: code ?? 'READ_FAILED', message: (err as Error).message, retryable: false };
      }
    },
    async list() {
      const entries = await readdir(root, { recursive: true, withFileTypes: true });
      return entries
        .filter((e) => !e.isDirectory())
        .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
    },
    async close() {},
  };
}
