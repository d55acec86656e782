/**
 * HTML pages: Readability finds the story, metadata comes from JSON-LD, Open Graph and <meta>,
 * links are resolved against the page address, images are saved beside the article when
 * reachable and kept as links when not. Served over real HTTP on 127.0.0.1, and read from a
 * saved file.
 */
import { mkdir, readFile, readdir, writeFile, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/net.ts';
import { ingest } from '../../src/ingest/index.ts';
import { startServer, send, type TestServer } from './http-server.ts';
import { PNG } from './png.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/ingest/html');

const HARBOUR_BODY = (base: string) => [
  'The city council on Wednesday approved a 40-million-euro flood barrier for the old harbour, ending a decade of disputes over its cost and its effect on the fishing fleet.',
  `The barrier, a row of steel gates that close when the sea rises more than a metre above normal, will be built in [three stages](${base}/news/2015/stages.html) starting next spring.`,
  '## What the gates will do',
  '-   Close when the sea rises more than a metre\n-   Leave a 30-metre opening for the fishing fleet',
  '> We have waited long enough. The last storm flooded forty homes.',
  "Councillor Anna Holm first proposed the barrier in 2005; [the engineers' report](https://example.org/report.pdf) is public.",
  `[Map of the gates](${base}/media/missing.png)\n_Where the gates will stand._`,
  "The regional government will pay a third of the cost; the rest will come from the city's reserve fund and a European grant.",
];
const HARBOUR_FURNITURE = ['Home', 'Search', 'cookies', 'Accept all', 'Support independent journalism', 'become a member', 'Related stories', 'Storm floods forty homes', 'Fishing fleet fears', 'All rights reserved', 'newsletter', 'tracking', 'font-family'];

let server: TestServer;
beforeAll(async () => {
  const html = await readFile(path.join(FIXTURES, 'harbour.html'));
  server = await startServer({
    '/news/2015/08/harbour-barrier': send(html, 'text/html; charset=utf-8'),
    '/media/lead.png': send(PNG, 'image/png'),
    '/sections': send(await readFile(path.join(FIXTURES, 'no-article.html')), 'text/html'),
  });
});
afterAll(async () => server?.close());

function split(md: string): { front: string; body: string[] } {
  const [, front, body] = /^---\n([\s\S]*?)\n---\n\n([\s\S]*)$/.exec(md)!;
  return { front: front!, body: body!.trim().split(/\n\n+/) };
}

describe('HTML pages', () => {
  it('a page fetched over HTTP: metadata, Markdown structure, resolved links, the lead image saved with its caption', async () => {
    const { dir, cleanup } = await tempDir('samizdat-ingest-');
    try {
      const url = server.url('/news/2015/08/harbour-barrier');
      const result = await ingest([url], { outDir: dir });
      expect(result.errors).toEqual([]);
      expect(result.written.map((w) => path.relative(dir, w.file))).toEqual(['2015-08-13-city-council-approves-harbour-flood-barrier.md']);
      const md = await readFile(result.written[0]!.file, 'utf8');
      const { front, body } = split(md);
      expect(front).toBe(
        [
          'title: City Council Approves Harbour Flood Barrier',
          'date: 2015-08-13T07:30:00Z',
          'updated: 2015-08-14T10:00:00Z',
          'lang: en-GB',
          'author: Maria Lindqvist',
          'summary: The council approved a 40-million-euro flood barrier.',
          'tags:',
          '  - harbour',
          '  - flooding',
          'slug: city-council-approves-harbour-flood-barrier',
          'image: media/2015-08-13-city-council-approves-harbour-flood-barrier/lead.png',
          'image_alt: Cranes by the harbour wall',
          'image_caption: Construction cranes stand idle beside the old harbour wall on Tuesday.',
          `source: ${url}`,
        ].join('\n'),
      );
      expect(body).toEqual(HARBOUR_BODY(server.base));
      for (const f of HARBOUR_FURNITURE) expect(body.join('\n')).not.toContain(f);
      // The lead image is on disk, byte for byte; the unreachable one is only a link (with a warning).
      expect(await readFile(path.join(dir, 'media/2015-08-13-city-council-approves-harbour-flood-barrier/lead.png'))).toEqual(PNG);
      expect(result.warnings.map((w) => w.code)).toEqual(['INGEST_IMAGE_NOT_SAVED']);
      expect(result.warnings[0]!.message).toContain('/media/missing.png');
    } finally {
      await cleanup();
    }
  });

  it('a saved page read from a file: links resolve against its canonical address, images beside the file are copied', async () => {
    const { dir, cleanup } = await tempDir('samizdat-ingest-');
    try {
      const saved = path.join(dir, 'saved');
      await mkdir(path.join(saved, 'media'), { recursive: true });
      const html = (await readFile(path.join(FIXTURES, 'harbour.html'), 'utf8')).replaceAll('src="/media/', 'src="media/');
      await writeFile(path.join(saved, 'page.html'), html);
      await writeFile(path.join(saved, 'media/lead.png'), PNG);
      const out = path.join(dir, 'content');
      const result = await ingest([path.join(saved, 'page.html')], { outDir: out, fetch: { timeoutMs: 3000 } });
      expect(result.errors).toEqual([]);
      const md = await readFile(result.written[0]!.file, 'utf8');
      const { front, body } = split(md);
      expect(front).toContain('image: media/2015-08-13-city-council-approves-harbour-flood-barrier/lead.png');
      expect(front).toContain('source: https://coastal.example/news/2015/08/harbour-barrier');
      expect(body[1]).toContain('[three stages](https://coastal.example/news/2015/stages.html)');
      // Missing beside the file and unreachable on the web (.example never resolves): a link to its web address.
      expect(body[6]).toBe('[Map of the gates](https://coastal.example/news/2015/08/media/missing.png)\n_Where the gates will stand._');
      expect(await readdir(path.join(out, 'media/2015-08-13-city-council-approves-harbour-flood-barrier'))).toEqual(['lead.png']);
    } finally {
      await cleanup();
    }
  });

  it('a page with no article is an error and nothing is written', async () => {
    const { dir, cleanup } = await tempDir('samizdat-ingest-');
    try {
      const result = await ingest([server.url('/sections')], { outDir: dir });
      expect(result.written).toEqual([]);
      expect(result.errors.map((e) => e.code)).toEqual(['INGEST_NO_ARTICLE']);
      expect(result.errors[0]!.message).toContain('/sections');
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await cleanup();
    }
  });

  it('--source-url on a saved page sets the source and the base of links', async () => {
    const { dir, cleanup } = await tempDir('samizdat-ingest-');
    try {
      await copyFile(path.join(FIXTURES, 'harbour.html'), path.join(dir, 'page.html'));
      const result = await ingest(['page.html'], { outDir: path.join(dir, 'out'), cwd: dir, sourceUrl: 'https://mirror.example/a/b/c', fetch: { timeoutMs: 3000 } });
      const md = await readFile(result.written[0]!.file, 'utf8');
      expect(md).toContain('source: https://mirror.example/a/b/c\n');
      expect(md).toContain('[three stages](https://mirror.example/a/stages.html)');
    } finally {
      await cleanup();
    }
  });
});
