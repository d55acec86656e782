/**
 * Small pieces: charset decoding, kind guessing, binary and empty input, dates written for
 * people, hostile HTML in feed content, and a page without a date.
 */
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeBytes } from '../../src/ingest/decode.ts';
import { assertTextual, guessKind } from '../../src/ingest/sniff.ts';
import { findDate, dateLine, bylineAuthor } from '../../src/ingest/text/dates.ts';
import { extractFragment, extractPage } from '../../src/ingest/html/extract.ts';
import { bareAmpersand } from '../../src/ingest/feed/parse.ts';
import { escapeMarkdownText, slugForTitle } from '../../src/ingest/article.ts';
import { ingest } from '../../src/ingest/index.ts';
import { tempDir } from '../support/net.ts';

describe('decodeBytes', () => {
  const ru = 'Съешь же ещё этих мягких французских булок, да выпей чаю. Широкая электрификация южных губерний даст мощный толчок подъёму сельского хозяйства.';
  it('BOM, HTTP charset, declared charset, valid UTF-8, then detection', () => {
    expect(decodeBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ru)]))).toMatchObject({ text: ru, by: 'bom' });
    expect(decodeBytes(iconv.encode(ru, 'koi8-r'), 'KOI8-R')).toMatchObject({ text: ru, charset: 'koi8-r', by: 'http' });
    expect(decodeBytes(iconv.encode(`<meta charset="windows-1251"><p>${ru}`, 'windows-1251'))).toMatchObject({ text: `<meta charset="windows-1251"><p>${ru}`, by: 'declared' });
    expect(decodeBytes(Buffer.from(ru))).toMatchObject({ text: ru, by: 'utf-8' });
    expect(decodeBytes(iconv.encode(ru, 'windows-1251'))).toMatchObject({ text: ru, charset: 'windows-1251', by: 'detected' });
    expect(decodeBytes(iconv.encode(ru, 'koi8-r'))).toMatchObject({ text: ru, charset: 'koi8-r', by: 'detected' });
    // A page that claims UTF-8 but is windows-1251 (a careless re-save) is still read right.
    expect(decodeBytes(iconv.encode(`<meta charset="utf-8"><p>${ru}`, 'windows-1251')).text).toContain(ru);
  });
});

describe('sniffing', () => {
  it('guesses feeds, pages and text from the content', () => {
    expect(guessKind('<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>')).toBe('feed');
    expect(guessKind('<?xml version="1.0"?><!-- hi --><feed xmlns="http://www.w3.org/2005/Atom"/>')).toBe('feed');
    expect(guessKind('{"version": "https://jsonfeed.org/version/1.1", "items": []}')).toBe('feed');
    expect(guessKind('<!DOCTYPE html><html><body><p>x</p></body></html>')).toBe('html');
    expect(guessKind('<div><p>Saved fragment</p></div>')).toBe('html');
    expect(guessKind('Headline\n\nA paragraph with a < sign.')).toBe('text');
  });

  it('refuses empty and binary input with a reason', () => {
    expect(() => assertTextual(Buffer.alloc(0), 'a.txt')).toThrow(expect.objectContaining({ code: 'INGEST_EMPTY', message: 'a.txt is empty' }));
    expect(() => assertTextual(Buffer.from(' \n\t\n'), 'a.txt')).toThrow(expect.objectContaining({ code: 'INGEST_EMPTY' }));
    expect(() => assertTextual(Buffer.from('%PDF-1.7 ...'), 'a.pdf')).toThrow(/PDF document/);
    expect(() => assertTextual(Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2]), 'a.docx')).toThrow(/zip archive/);
    expect(() => assertTextual(Buffer.from('text\0with nul'), 'a.bin')).toThrow(expect.objectContaining({ code: 'INGEST_BINARY' }));
    expect(() => assertTextual(Buffer.from('Заголовок'), 'ok.txt')).not.toThrow();
  });
});

describe('dates and bylines in copied text', () => {
  it('reads the common forms, and never a day that does not exist', () => {
    expect(findDate('August 13, 2015')).toBe('2015-08-13');
    expect(findDate('Aug. 13, 2015 10:47 am')).toBe('2015-08-13');
    expect(findDate('13 August 2015')).toBe('2015-08-13');
    expect(findDate('13 августа 2015 г.')).toBe('2015-08-13');
    expect(findDate('1 мая 2020')).toBe('2020-05-01');
    expect(findDate('1 марта 2020')).toBe('2020-03-01');
    expect(findDate('13.08.2015')).toBe('2015-08-13');
    expect(findDate('۲۰۱۵-۰۸-۱۳')).toBe('2015-08-13');
    expect(findDate('13 أغسطس 2015')).toBe('2015-08-13');
    expect(findDate('2015-08-13T09:30:00+02:00')).toBe('2015-08-13T07:30:00Z');
    expect(findDate('February 30, 2015')).toBeUndefined();
    expect(findDate('Aug. 13')).toBeUndefined();
    expect(dateLine('Updated: August 14, 2015')).toEqual({ date: '2015-08-14', updated: true });
    expect(dateLine('On August 13, 2015 the council met in the old town hall to vote on it.')).toBeUndefined();
    expect(bylineAuthor('By Maria Lindqvist')).toBe('Maria Lindqvist');
    expect(bylineAuthor('By Thursday evening the talks were over.')).toBeUndefined();
  });
});

describe('hostile HTML in feed content', () => {
  it('scripts, event handlers, javascript: links and data: images do not reach the Markdown', () => {
    const r = extractFragment(
      '<p>Story <a href="javascript:alert(1)">click</a> and <a href="/ok">ok</a>.</p><script>alert(1)</script><p><img src="x" onerror="alert(1)" alt="pic"><img src="data:image/png;base64,AAAA"></p><iframe src="https://evil.example/"></iframe><p onclick="alert(1)">Second <b>bold</b> paragraph.</p>',
      { pageUrl: 'https://news.example/a/b', where: 'item', title: 'T' },
    );
    const md = r.article.body;
    expect(md).not.toMatch(/alert|javascript:|onerror|onclick|iframe|evil|data:/);
    expect(md).toContain('Story click and [ok](https://news.example/ok).');
    expect(md).toContain('Second **bold** paragraph.');
    expect(r.article.media.map((m) => m.url)).toEqual(['https://news.example/a/x']);
  });

  it('a page with no date in it gives no date (the caller then asks for --date)', () => {
    const r = extractPage('<html><head><title>Plain Page Title Here</title></head><body><article><p>' + 'Some article text that is long enough to count. '.repeat(10) + '</p></article></body></html>', { where: 'p.html' });
    expect(r.article.date).toBeUndefined();
    expect(r.article.title).toBe('Plain Page Title Here');
  });
});

describe('names and escaping', () => {
  it('slugs are Latin; apostrophes vanish', () => {
    expect(slugForTitle("Syria's Main Opposition")).toBe('syrias-main-opposition');
    expect(slugForTitle('Завод возобновил выпуск трамваев')).toBe('zavod-vozobnovil-vypusk-tramvaev');
    expect(slugForTitle('!!!')).toBe('article');
  });

  it('plain text stays plain text in Markdown', () => {
    expect(escapeMarkdownText('# not a heading')).toBe('\\# not a heading');
    expect(escapeMarkdownText('1. not a list')).toBe('1\\. not a list');
    expect(escapeMarkdownText('- not a list')).toBe('\\- not a list');
    expect(escapeMarkdownText('a *b* _c_ [d](e) <i> &amp;')).toBe('a \\*b\\* \\_c\\_ \\[d\\](e) \\<i\\> \\&amp;');
  });

  it('finds the bare ampersand that breaks an XML feed', () => {
    expect(bareAmpersand('<a>\n<b>x &amp; y</b>\n<c>A & B</c></a>')).toEqual({ line: 3, column: 6 });
    expect(bareAmpersand('<a><![CDATA[ & ]]><!-- & --></a>')).toBeUndefined();
  });
});

describe('warnings', () => {
  it('prose left out above the headline is reported, so a wrong headline does not pass silently', async () => {
    const { dir, cleanup } = await tempDir('samizdat-ingest-');
    try {
      const lede = 'The council voted on Wednesday to build the barrier, after ten years of arguments about its cost and about the fishing fleet.';
      const result = await ingest(['-'], { outDir: dir, date: '2015-08-13', stdin: [Buffer.from(`${lede}\n\nWhat happens to the fleet now\n\nThe gates leave a 30-metre opening.`)] });
      expect(result.written).toHaveLength(1);
      expect(result.warnings.map((w) => w.code)).toEqual(['INGEST_TEXT_BEFORE_HEADLINE']);
      expect(result.warnings[0]!.message).toContain('What happens to the fleet now');
    } finally {
      await cleanup();
    }
  });
});

describe('front matter', () => {
  it('any title survives the round trip through YAML and the build\'s own reader', async () => {
    const { renderArticle } = await import('../../src/ingest/article.ts');
    const { parseArticle } = await import('../../src/content/parse.ts');
    const titles = ['"Quoted" title', 'key: value', '- dash first', '# hash first', 'yes', 'null', '2015-08-13', '[1, 2]', '{{ 7 * 7 }}', '&anchor *alias', "It's: \"both\" 'quotes'", 'Tab\there', ']]> & <b>', '%percent', '@at', '`tick`', '! bang', '|pipe', '>fold', '?question', 'Заголовок: «кавычки»', 'عنوان: "نقل"'];
    for (const title of titles) {
      const text = renderArticle({ title, date: '2015-08-13', body: 'Body.', media: [], source: 'https://example.org/a?b=c&d=e' }, 'slug');
      const parsed = parseArticle(Buffer.from(text), { file: 'a.md', sourcePath: '/a.md', siteLang: 'en' });
      expect(parsed.problems, title).toEqual([]);
      expect(parsed.article!.title, text).toBe(title);
      expect(parsed.article!.source).toBe('https://example.org/a?b=c&d=e');
    }
  });
});

describe('the same story under another name', () => {
  it('is skipped by title and date; --update rewrites that file and keeps its address', async () => {
    const { writeFile: write, readFile: read, mkdir: mk, readdir: ls } = await import('node:fs/promises');
    const path = (await import('node:path')).default;
    const { dir, cleanup } = await tempDir('samizdat-ingest-');
    try {
      await mk(path.join(dir, '2015'));
      const existing = path.join(dir, '2015/hand-written.md');
      await write(existing, "---\ntitle: \"Mayor Opens the New Bridge\"\ndate: 2015-08-13T10:00:00Z\n---\n\nOld text.\n");
      const input = [Buffer.from('Mayor opens the new bridge!\n\nThe bridge cost 12 million euros.')];
      const first = await ingest(['-'], { outDir: dir, date: '2015-08-13', stdin: input });
      expect(first.written).toEqual([]);
      expect(first.skipped).toEqual([{ source: '-', reason: 'already ingested (same title and date); add --update to replace it', file: existing }]);
      const second = await ingest(['-'], { outDir: dir, date: '2015-08-13', stdin: input, update: true });
      expect(second.written.map((w) => [w.file, w.replaced])).toEqual([[existing, true]]);
      const md = await read(existing, 'utf8');
      expect(md).toContain('slug: mayor-opens-the-new-bridge\n'); // what the build gave it before: the URL stays
      expect(md).toContain('The bridge cost 12 million euros.');
      expect((await ls(dir, { recursive: true })).sort()).toEqual(['2015', '2015/hand-written.md']);
    } finally {
      await cleanup();
    }
  });
});

describe('images in article HTML', () => {
  it('lazy-loading attributes and the widest srcset entry win over placeholders; relative addresses resolve', () => {
    const r = extractFragment(
      '<p>Text before the pictures, long enough to not be a lead figure at all, really.</p>' +
        '<p><img src="data:image/gif;base64,R0lGOD" data-src="/lazy.jpg" alt="lazy"></p>' +
        '<p><img srcset="small.jpg 320w, big.jpg 1280w, mid.jpg 640w" alt="set"></p>' +
        '<figure><img src="https://cdn.example/x.png" alt="abs"><figcaption>A caption</figcaption></figure>',
      { pageUrl: 'https://news.example/2015/08/story', where: 'item', title: 'T' },
    );
    expect(r.article.media.map((m) => [m.url, m.alt])).toEqual([
      ['https://news.example/lazy.jpg', 'lazy'],
      ['https://news.example/2015/08/big.jpg', 'set'],
      ['https://cdn.example/x.png', 'abs'],
    ]);
    expect(r.article.image).toBeUndefined();
    expect(r.article.body).toBe('Text before the pictures, long enough to not be a lead figure at all, really.\n\n@@samizdat-media-0@@\n\n@@samizdat-media-1@@\n\n@@samizdat-media-2@@\n_A caption_');
  });
});
