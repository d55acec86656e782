// The render cache names each rendering by the article's bytes, path and URL and the rendering
// code: any change of one of them must give another name, and the same ones the same name.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderKey } from '../../src/build/cache.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const article = { file: 'news/2015/talks.md', url: 'articles/2015/08/talks/index.html', hash: sha('bytes') };

describe('render keys', () => {
  it('are 64 hex digits, the same for the same inputs', () => {
    expect(renderKey('salt', article)).toMatch(/^[0-9a-f]{64}$/);
    expect(renderKey('salt', { ...article })).toBe(renderKey('salt', article));
  });

  it('change with the bytes, the path, the URL and the code', () => {
    const keys = [
      renderKey('salt', article),
      renderKey('salt', { ...article, hash: sha('other bytes') }),
      renderKey('salt', { ...article, file: 'news/2015/talks-copy.md' }),
      renderKey('salt', { ...article, url: 'articles/2015/08/talks-2/index.html' }),
      renderKey('salt2', article),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('tell apart the same bytes at 50,000 paths and URLs (Cyrillic, long, near-identical names)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50_000; i++) {
      const name = i % 2 ? `статьи/${i}/заметка.md` : `${'deep/'.repeat(i % 7)}a${i}.md`;
      seen.add(renderKey('salt', { file: name, url: `articles/2020/01/${i % 3 ? 'x' : 'y'}-${i}/index.html`, hash: article.hash }));
    }
    expect(seen.size).toBe(50_000);
  });
});
