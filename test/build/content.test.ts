import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContent, parseContentDate, textDirection } from '../../src/content/index.ts';
import { firstInvalidUtf8Line, parseArticle } from '../../src/content/parse.ts';
import { slugify } from '../../src/content/slug.ts';
import { tempDir } from '../support/net.ts';

const ctx = { file: 'news/a.md', sourcePath: '/x/news/a.md', siteLang: 'en' };
const parse = (text: string | Uint8Array) => parseArticle(typeof text === 'string' ? Buffer.from(text) : text, ctx);

describe('article model', () => {
  it('reads every field of a valid article', () => {
    const { article, problems } = parse(`---
title: "Talks in Moscow"
date: 2015-08-13
updated: 2015-08-14T10:00:00+03:00
lang: en
author: A. Writer
summary: Short.
tags: [Russia, Syria]
image: media/p.jpg
image_alt: Two men
image_caption: A caption
source: https://www.themoscowtimes.com/x
guid: https://example.org/item/1
---
Body *here*.
`);
    expect(problems).toEqual([]);
    expect(article).toMatchObject({
      title: 'Talks in Moscow',
      date: '2015-08-13T00:00:00Z',
      updated: '2015-08-14T07:00:00Z',
      lang: 'en',
      dir: 'ltr',
      tags: ['Russia', 'Syria'],
      slug: 'talks-in-moscow',
      image: 'media/p.jpg',
      imageAlt: 'Two men',
      imageCaption: 'A caption',
      guid: 'https://example.org/item/1',
      url: 'articles/2015/08/talks-in-moscow/index.html',
      bodyLine: 15,
      draft: false,
    });
    expect(article!.body).toBe('Body *here*.\n');
  });

  it('takes the site language and its direction when the article names none', () => {
    const { article } = parseArticle(Buffer.from('---\ntitle: سلام\ndate: 2020-01-01\n---\nx'), { ...ctx, siteLang: 'fa' });
    expect(article).toMatchObject({ lang: 'fa', dir: 'rtl' });
  });

  const cases: Array<[string, string | Uint8Array, string, number | undefined]> = [
    ['invalid YAML', '---\ntitle: ok\ndate: 2020-01-01\nsummary: a: b\n---\nx', 'INVALID_YAML', 4],
    ['a missing title', '---\ndate: 2020-01-01\n---\nx', 'MISSING_TITLE', 2],
    ['a missing date', '---\ntitle: x\n---\nx', 'MISSING_DATE', 2],
    ['an impossible date', '---\ntitle: x\n\ndate: 2015-02-30\n---\nx', 'INVALID_DATE', 4],
    ['an impossible time', '---\ntitle: x\ndate: 2015-02-03T25:00\n---\nx', 'INVALID_DATE', 3],
    ['a slug that escapes', '---\ntitle: x\ndate: 2020-01-01\nslug: ../../../etc\n---\nx', 'SLUG_ESCAPES', 4],
    ['a slug with a slash', '---\ntitle: x\ndate: 2020-01-01\nslug: a/b\n---\nx', 'SLUG_ESCAPES', 4],
    ['an image outside the content', '---\ntitle: x\ndate: 2020-01-01\nimage: ../../secret.png\n---\nx', 'IMAGE_ESCAPES', 4],
    ['a remote front matter image', '---\ntitle: x\ndate: 2020-01-01\nimage: https://e.org/a.png\n---\nx', 'INVALID_IMAGE', 4],
    ['no front matter', 'just text', 'NO_FRONT_MATTER', 1],
    ['an unclosed front matter', '---\ntitle: x\ndate: 2020-01-01\n', 'UNCLOSED_FRONT_MATTER', 1],
    ['a bad language tag', '---\ntitle: x\ndate: 2020-01-01\nlang: "english!"\n---\nx', 'INVALID_LANG', 4],
    ['invalid UTF-8', Buffer.concat([Buffer.from('---\ntitle: x\ndate: 2020-01-01\n---\nline five\nbad '), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]), 'INVALID_UTF8', 6],
  ];
  for (const [name, text, code, line] of cases) {
    it(`reports ${name} with file, line and hint`, () => {
      const { article, problems } = parse(text);
      expect(article).toBeUndefined();
      expect(problems.map((p) => p.code)).toContain(code);
      const p = problems.find((q) => q.code === code)!;
      expect(p.file).toBe('news/a.md');
      expect(p.line).toBe(line);
      expect(p.hint).toBeTruthy();
    });
  }

  it('reports every problem of a file at once', () => {
    const { problems } = parse('---\ndate: 2015-13-01\nslug: "../x"\n---\n');
    expect(problems.map((p) => p.code).sort()).toEqual(['INVALID_DATE', 'MISSING_TITLE', 'SLUG_ESCAPES']);
  });

  it('removes control characters from titles, with a warning', () => {
    const { article, warnings } = parse('---\ntitle: "a\\u0001b\\u0007"\ndate: 2020-01-01\n---\n');
    expect(article!.title).toBe('ab');
    expect(warnings.map((w) => w.code)).toContain('CONTROL_CHARACTERS');
  });

  it('reads a file that starts with a byte order mark', () => {
    const { article, problems } = parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('---\ntitle: BOM\ndate: 2020-01-01\n---\nx')]));
    expect(problems).toEqual([]);
    expect(article!.title).toBe('BOM');
  });

  it('finds the line of invalid UTF-8', () => {
    expect(firstInvalidUtf8Line(Buffer.from('ok\nok\n'))).toBeUndefined();
    expect(firstInvalidUtf8Line(Buffer.from([0x61, 0x0a, 0x62, 0x0a, 0xff]))).toBe(3);
  });
});

describe('slugs, directions and dates', () => {
  it('transliterates Cyrillic into readable Latin', () => {
    expect(slugify('Россия и Сирия: переговоры в Москве')).toBe('rossiya-i-siriya-peregovory-v-moskve');
    expect(slugify("Russia's Foreign Minister — Talks!")).toBe('russia-s-foreign-minister-talks');
    expect(slugify('!!!')).toBe('');
    expect(slugify('a'.repeat(200)).length).toBeLessThanOrEqual(80);
  });

  it('detects right-to-left languages', () => {
    for (const lang of ['ar', 'fa', 'fa-IR', 'he', 'ur', 'ps', 'yi', 'az-Arab']) expect(textDirection(lang), lang).toBe('rtl');
    for (const lang of ['en', 'ru', 'uk', 'tr', 'az', 'az-Latn', 'sr-Cyrl']) expect(textDirection(lang), lang).toBe('ltr');
  });

  it('reads dates in UTC and refuses impossible ones', () => {
    expect(parseContentDate('2015-08-13')?.toISOString()).toBe('2015-08-13T00:00:00.000Z');
    expect(parseContentDate('2024-02-29')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(parseContentDate('2023-02-29')).toBeUndefined();
    expect(parseContentDate('2015-08-13T10:00:00-05:00')?.toISOString()).toBe('2015-08-13T15:00:00.000Z');
    expect(parseContentDate('yesterday')).toBeUndefined();
    expect(parseContentDate(20150813)).toBeUndefined();
  });
});

describe('loading a content folder', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('samizdat-content-'));
    await mkdir(path.join(dir, 'a'), { recursive: true });
    await writeFile(path.join(dir, 'a', 'one.md'), '---\ntitle: Same Title\ndate: 2020-05-01\n---\none');
    await writeFile(path.join(dir, 'two.md'), '---\ntitle: Same title\ndate: 2020-05-20\n---\ntwo');
    await writeFile(path.join(dir, 'three.md'), '---\ntitle: Other\ndate: 2020-05-02\n---\nthree');
    await writeFile(path.join(dir, 'draft.md'), '---\ntitle: Draft\ndate: 2020-05-02\ndraft: true\n---\n');
    await writeFile(path.join(dir, 'bad.md'), '---\ntitle: Bad\ndate: 2020-02-31\n---\n');
  });
  afterAll(() => cleanup());

  it('reports two articles on one URL on both files, and keeps neither', async () => {
    const { articles, invalid, drafts } = await loadContent(dir, { siteLang: 'en' });
    expect(articles.map((a) => a.file)).toEqual(['three.md']);
    expect(drafts).toEqual(['draft.md']);
    const dup = invalid.filter((i) => i.problems.some((p) => p.code === 'DUPLICATE_URL'));
    expect(dup.map((d) => d.file).sort()).toEqual(['a/one.md', 'two.md']);
    expect(dup[0]!.problems[0]!.message).toContain('articles/2020/05/same-title/index.html');
    expect(invalid.find((i) => i.file === 'bad.md')!.problems[0]!.code).toBe('INVALID_DATE');
  });
});
