import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listArticleFiles } from '../../src/content/index.ts';
import { tempDir } from '../support/net.ts';

let work: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  work = await tempDir('samizdat-list-');
});
afterEach(() => work.cleanup());

describe('listArticleFiles', () => {
  it('lists Markdown files at any depth, sorted, and skips hidden, _-prefixed and node_modules names, folders or files', async () => {
    const files = [
      'b.md', 'A.MD', 'x.markdown', 'notes.txt', 'a/b/ok.md', 'a/_partial.md', 'a/.hidden.md',
      '.git/x.md', '_drafts/y.md', 'node_modules/pkg/z.md', 'deep/.cache/w.md', 'deep/fine/_x/v.md', 'deep/fine/u.md',
    ];
    for (const f of files) {
      await mkdir(path.dirname(path.join(work.dir, f)), { recursive: true });
      await writeFile(path.join(work.dir, f), '---\ntitle: t\ndate: 2020-01-01\n---\n');
    }
    expect(await listArticleFiles(work.dir)).toEqual(['A.MD', 'a/b/ok.md', 'b.md', 'deep/fine/u.md', 'x.markdown']);
  });
});
