/**
 * Feeds: RSS 2.0, Atom and JSON Feed, one article per item; full content when the item has it,
 * else the item's page fetched and extracted; incremental by GUID or link (a re-run writes only
 * new items); malformed XML is an error with its line. The RSS and Atom feeds are served over
 * real HTTP on 127.0.0.1, so relative links resolve against the feed's address.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/net.ts';
import { ingest } from '../../src/ingest/index.ts';
import { startServer, send, type TestServer } from './http-server.ts';
import { PNG } from './png.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/ingest/feeds');

let server: TestServer;
let rss = '';
beforeAll(async () => {
  rss = await readFile(path.join(FIXTURES, 'rss.xml'), 'utf8');
  server = await startServer({
    '/feed.xml': (_q, res) => res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(rss),
    '/news/tram-factory.html': send(await readFile(path.join(FIXTURES, 'tram-factory.html')), 'text/html; charset=utf-8'),
    '/media/gates.png': send(PNG, 'image/png'),
    '/ru/feed.atom': send(await readFile(path.join(FIXTURES, 'atom.xml')), 'application/atom+xml'),
  });
});
afterAll(async () => server?.close());

function split(md: string): { front: string; body: string[] } {
  const [, front, body] = /^---\n([\s\S]*?)\n---\n\n([\s\S]*)$/.exec(md)!;
  return { front: front!, body: body!.trim().split(/\n\n+/) };
}

async function read(file: string) {
  return split(await readFile(file, 'utf8'));
}

describe('RSS 2.0', () => {
  it('one article per item: full content when present, the page when only a teaser; then a re-run skips both', async () => {
    const { dir, cleanup } = await tempDir('samizdat-ingest-');
    try {
      const feedUrl = server.url('/feed.xml');
      const first = await ingest([feedUrl], { outDir: dir });
      expect(first.errors).toEqual([]);
      expect(first.written.map((w) => path.basename(w.file))).toEqual([
        '2015-08-13-harbour-barrier-approved-after-decade-of-delays.md',
        '2015-08-14-tram-factory-restarts-production.md',
      ]);
      const harbour = await read(first.written[0]!.file);
      expect(harbour.front).toBe(
        [
          'title: Harbour Barrier Approved After Decade of Delays',
          'date: 2015-08-13T07:30:00Z',
          'lang: en',
          'author: Maria Lindqvist',
          'tags:',
          '  - harbour',
          '  - flooding',
          'slug: harbour-barrier-approved-after-decade-of-delays',
          `source: ${server.url('/news/harbour-barrier')}`,
          'guid: coastal-2015-0813-harbour',
        ].join('\n'),
      );
      expect(harbour.body).toEqual([
        'The city council on Wednesday approved a flood barrier for the old harbour.',
        `The gates will be built in [three stages](${server.url('/news/stages')}) starting next spring.`,
        '![The planned gates](media/2015-08-13-harbour-barrier-approved-after-decade-of-delays/gates.png)',
        'The regional government will pay a third of the cost.',
      ]);
      expect(await readFile(path.join(dir, 'media/2015-08-13-harbour-barrier-approved-after-decade-of-delays/gates.png'))).toEqual(PNG);

      // The teaser item: its page was fetched; the feed's title, date and guid win over the page's.
      expect(server.requests).toContain('/news/tram-factory.html');
      const tram = await read(first.written[1]!.file);
      expect(tram.front).toContain('title: Tram Factory Restarts Production\n');
      expect(tram.front).toContain('date: 2015-08-14T12:00:00Z\n');
      expect(tram.front).toContain(`source: ${server.url('/news/tram-factory.html')}\n`);
      expect(tram.front).toContain('guid: coastal-2015-0814-tram');
      expect(tram.body).toEqual([
        'The tram factory outside the city released its first tram in two years on Wednesday, the regional administration said.',
        'Production stopped in 2013, when the city cancelled an order for forty cars for lack of money.',
        'Twelve more cars will be delivered by the end of the year, and at least thirty next year, the director said.',
      ]);
      for (const md of [harbour.body, tram.body].flat()) expect(md).not.toMatch(/Subscribe|newsletter|Advertisement|Home|Search|©/);

      // Second run: both already there (by guid), nothing written, nothing changed.
      const before = await readdir(dir, { recursive: true });
      const second = await ingest([feedUrl], { outDir: dir });
      expect(second.written).toEqual([]);
      expect(second.errors).toEqual([]);
      expect(second.skipped.map((s) => [s.source, s.reason, path.basename(s.file!)])).toEqual([
        [`${feedUrl}#1`, 'already ingested', '2015-08-13-harbour-barrier-approved-after-decade-of-delays.md'],
        [`${feedUrl}#2`, 'already ingested', '2015-08-14-tram-factory-restarts-production.md'],
      ]);
      expect((await readdir(dir, { recursive: true })).sort()).toEqual(before.sort());

      // A new item in the feed: only it is written. (It has no guid: its link identifies it.)
      rss = rss.replace(
        '<channel>\n  <title>',
        '<channel>\n  <item><title>Ferry Timetable Changes in September</title><link>/news/ferry</link><pubDate>Sat, 15 Aug 2015 08:00:00 GMT</pubDate><description><![CDATA[<p>The ferry will leave the harbour every forty minutes from September, the operator said on Saturday.</p>]]></description></item>\n  <title>',
      );
      const third = await ingest([feedUrl], { outDir: dir });
      expect(third.written.map((w) => path.basename(w.file))).toEqual(['2015-08-15-ferry-timetable-changes-in-september.md']);
      expect(third.skipped).toHaveLength(2);
      const ferry = await read(third.written[0]!.file);
      expect(ferry.front).toContain(`source: ${server.url('/news/ferry')}`);
      expect(ferry.front).not.toContain('guid:');
      // Its summary is short and the page does not exist: the summary is used, with a warning.
      expect(ferry.body).toEqual(['The ferry will leave the harbour every forty minutes from September, the operator said on Saturday.']);
      expect(third.warnings.map((w) => w.code)).toEqual(['INGEST_SUMMARY_ONLY']);
      // And the link-only item is recognised on the run after.
      const fourth = await ingest([feedUrl], { outDir: dir });
      expect(fourth.written).toEqual([]);
      expect(fourth.skipped).toHaveLength(3);
    } finally {
      await cleanup();
    }
  });

  it('--update re-ingests items already there, in place', async () => {
    const { dir, cleanup } = await tempDir('samizdat-ingest-');
    try {
      await ingest([server.url('/feed.xml')], { outDir: dir });
      const target = path.join(dir, '2015-08-13-harbour-barrier-approved-after-decade-of-delays.md');
      await writeFile(target, (await readFile(target, 'utf8')).replace('The regional government', 'EDITED'));
      const again = await ingest([server.url('/feed.xml')], { outDir: dir, update: true });
      expect(again.errors).toEqual([]);
      expect(again.written.filter((w) => w.replaced).map((w) => w.file)).toContain(target);
      expect(await readFile(target, 'utf8')).toContain('The regional government will pay');
    } finally {
      await cleanup();
    }
  });
});

describe('Atom', () => {
  it('xml:base, HTML and text content, published/updated dates, the feed language', async () => {
    const { dir, cleanup } = await tempDir('samizdat-ingest-');
    try {
      const result = await ingest([server.url('/ru/feed.atom')], { outDir: dir });
      expect(result.errors).toEqual([]);
      expect(result.written.map((w) => path.basename(w.file))).toEqual([
        '2015-08-13-zavod-vozobnovil-vypusk-tramvaev.md',
        '2015-08-14-biblioteka-otkrylas-posle-remonta.md',
      ]);
      const tram = await read(result.written[0]!.file);
      expect(tram.front).toContain('date: 2015-08-13T08:05:00Z\nupdated: 2015-08-13T09:00:00Z\nlang: ru\nauthor: Ирина Соколова\ntags:\n  - промышленность\n');
      expect(tram.front).toContain(`source: ${server.url('/ru/news/tram')}\n`);
      expect(tram.front).toContain('guid: tag:vesti.example,2015:tram');
      expect(tram.body).toEqual(['Завод в среду выпустил первый за два года трамвай.', `Подробности в [плане завода](${server.url('/ru/docs/plan')}).`]);
      const library = await read(result.written[1]!.file);
      expect(library.front).toContain('date: 2015-08-14T09:00:00Z\n');
      // type="text": markup characters are text, not HTML.
      expect(library.body).toEqual(['Центральная библиотека открылась после трёх лет ремонта.', 'Читальный зал стал вдвое больше. <b> остаётся текстом.']);
    } finally {
      await cleanup();
    }
  });
});

describe('JSON Feed', () => {
  it('content_html and content_text items, authors, tags and the feed language, from a file', async () => {
    const { dir, cleanup } = await tempDir('samizdat-ingest-');
    try {
      const result = await ingest([path.join(FIXTURES, 'feed.json')], { outDir: dir });
      expect(result.errors).toEqual([]);
      const [library, park] = await Promise.all(result.written.map((w) => read(w.file)));
      expect(library!.front).toContain('date: 2015-08-13T03:30:00Z\nlang: fa\nauthor: سارا احمدی\ntags:\n  - فرهنگ\n  - کتاب\n');
      expect(library!.body).toEqual(['کتابخانه‌ی مرکزی شهر پس از سه سال بازسازی باز شد.', 'جزئیات در [گزارش کامل](https://shahr.example/news/library/details).']);
      expect(park!.front).toContain('date: 2015-08-15\n');
      expect(park!.body).toEqual(['پارک تازه‌ای در شمال شهر ساخته شد.', 'مساحت آن ده هکتار است.']);
    } finally {
      await cleanup();
    }
  });
});

describe('bad feeds', () => {
  it('malformed XML is an error with its line, and nothing is written', async () => {
    const { dir, cleanup } = await tempDir('samizdat-ingest-');
    try {
      const result = await ingest([path.join(FIXTURES, 'broken.xml')], { outDir: dir });
      expect(result.written).toEqual([]);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toMatchObject({ code: 'INGEST_MALFORMED_XML', line: 4 });
      expect(result.errors[0]!.message).toContain('not well-formed XML');
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await cleanup();
    }
  });

  it('broken JSON and a JSON document that is no feed', async () => {
    const { dir, cleanup } = await tempDir('samizdat-ingest-');
    try {
      await writeFile(path.join(dir, 'a.json'), '{"version": "https://jsonfeed.org/version/1.1", "items": [,]}');
      await writeFile(path.join(dir, 'b.json'), '{"version": "https://jsonfeed.org/version/1.1", "items": "none"}');
      const out = path.join(dir, 'out');
      const result = await ingest([path.join(dir, 'a.json'), path.join(dir, 'b.json')], { outDir: out, from: 'feed' });
      expect(result.errors.map((e) => e.code)).toEqual(['INGEST_MALFORMED_JSON', 'INGEST_NOT_A_FEED']);
      await expect(readdir(out)).rejects.toThrow();
    } finally {
      await cleanup();
    }
  });
});

describe('items with the same title', () => {
  it('each gets its own file and address (same day, same month); a re-run skips them; the build accepts them all', async () => {
    const { loadContent } = await import('../../src/content/index.ts');
    const { dir, cleanup } = await tempDir('samizdat-ingest-');
    try {
      const item = (id: string, date: string) => ({ id, title: 'Live updates', date_published: date, content_text: `Update ${id}.` });
      const feed = { version: 'https://jsonfeed.org/version/1.1', title: 'Live', items: [item('a', '2015-08-13T08:00:00Z'), item('b', '2015-08-13T20:00:00Z'), item('c', '2015-08-14T08:00:00Z')] };
      await writeFile(path.join(dir, 'live.json'), JSON.stringify(feed));
      const out = path.join(dir, 'content');
      const first = await ingest([path.join(dir, 'live.json')], { outDir: out });
      expect(first.errors).toEqual([]);
      expect(first.written.map((w) => path.basename(w.file))).toEqual(['2015-08-13-live-updates.md', '2015-08-13-live-updates-2.md', '2015-08-14-live-updates-3.md']);
      const loaded = await loadContent(out, { siteLang: 'en' });
      expect(loaded.invalid).toEqual([]);
      expect(loaded.articles.map((a) => a.url).sort()).toEqual([
        'articles/2015/08/live-updates-2/index.html',
        'articles/2015/08/live-updates-3/index.html',
        'articles/2015/08/live-updates/index.html',
      ]);
      const again = await ingest([path.join(dir, 'live.json')], { outDir: out });
      expect(again.written).toEqual([]);
      expect(again.skipped.map((s) => s.reason)).toEqual(['already ingested', 'already ingested', 'already ingested']);
    } finally {
      await cleanup();
    }
  });
});
