import { mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listArticleFiles } from '../../src/content/index.ts';
import { compareCodeUnits, scanContent, stampAt, stampOf } from '../../src/content/scan.ts';
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

  it('follows no symbolic link, to a folder or to a file, and reports a missing folder', async () => {
    await mkdir(path.join(work.dir, 'real'), { recursive: true });
    await writeFile(path.join(work.dir, 'real', 'r.md'), '---\ntitle: t\ndate: 2020-01-01\n---\n');
    await symlink(path.join(work.dir, 'real'), path.join(work.dir, 'linked'));
    await symlink(path.join(work.dir, 'real', 'r.md'), path.join(work.dir, 'l.md'));
    expect(await listArticleFiles(work.dir)).toEqual(['real/r.md']);
    await expect(listArticleFiles(path.join(work.dir, 'nowhere'))).rejects.toMatchObject({ code: 'CONTENT_NOT_FOUND' });
    await expect(listArticleFiles(path.join(work.dir, 'l.md'))).rejects.toMatchObject({ code: 'CONTENT_NOT_FOUND' });
  });
});

describe('scanContent', () => {
  it('sorts by UTF-16 code units (compareCodeUnits), not by code point or locale, and stamps each file as stampOf does', async () => {
    // U+1F600 is a surrogate pair (D83D DE00): before U+FF5E in code units, after it in code points.
    const names = ['z.md', 'Z.md', 'é.md', '\u{1F600}.md', '\uFF5E.md', 'e.md', 'a/z.md', 'a-b.md', 'a.md'];
    for (const f of names) {
      await mkdir(path.dirname(path.join(work.dir, f)), { recursive: true });
      await writeFile(path.join(work.dir, f), `---\ntitle: ${f}\ndate: 2020-01-01\n---\n`);
    }
    const scan = scanContent(work.dir);
    expect(scan.files).toEqual([...names].sort(compareCodeUnits));
    expect(scan.files.indexOf('\u{1F600}.md')).toBeLessThan(scan.files.indexOf('\uFF5E.md'));
    for (const [i, f] of scan.files.entries()) expect(stampAt(scan, i), f).toEqual(stampOf(await stat(path.join(work.dir, f))));
  });
});
