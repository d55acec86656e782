// What the compiled lib/ was made from: the path, size and modification time of every file of
// src/, of .eleventy.ts, package.json, the installed dependencies' lock (lib/vendor/ holds
// copies of some of them, scripts/compile.mjs) and the compile script. Cheap enough
// (a few milliseconds) to check on every CLI start.
import { readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';

export function sourceStampSync(root) {
  const hash = createHash('sha256').update('samizdat-lib/1\0');
  const src = path.join(root, 'src');
  const files = readdirSync(src, { recursive: true }).map(String).sort();
  for (const f of [...files.map((f) => path.join('src', f)), '.eleventy.ts', 'package.json', 'node_modules/.package-lock.json', 'scripts/compile.mjs']) {
    const s = statSync(path.join(root, f), { throwIfNoEntry: false });
    if (s?.isFile()) hash.update(`${f}\0${s.size}\0${s.mtimeMs}\0`);
  }
  return hash.digest('hex');
}
