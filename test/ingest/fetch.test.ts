/**
 * Fetching over real HTTP on 127.0.0.1 (node:http, started here): pages in windows-1251 and
 * KOI8-R (declared in the header, in a <meta>, or not at all), a redirect chain and a redirect
 * loop, an oversized body (with and without Content-Length), a wrong content type, a server
 * that never answers, and a closed port. Each error names the URL.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, tempDir } from '../support/net.ts';
import { ingest } from '../../src/ingest/index.ts';
import { fetchResource } from '../../src/ingest/fetch.ts';
import { startServer, send, type TestServer } from './http-server.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/ingest');
const RU_PARAGRAPHS = [
  'Завод в Подмосковье в среду выпустил первый за два года трамвай, сообщили в администрации области.',
  'Производство остановили в 2013 году, когда город отказался от заказа на сорок вагонов из-за нехватки денег.',
  'По словам директора завода, до конца года заказчикам передадут ещё двенадцать вагонов, а в следующем году — не меньше тридцати.',
  '«Мы сохранили почти всех рабочих и теперь снова можем брать большие заказы», — сказал он.',
];
/** KOI8-R has no « » or —: its pages use plain quotes and hyphens. */
const koi8Safe = (s: string) => s.replace(/[«»]/g, '"').replace(/—/g, '-');
const RU_FURNITURE = ['Главная', 'Поддержите', 'Читайте также', 'Все права защищены'];
const RU_TEXT = `Завод в Подмосковье возобновил выпуск трамваев\n\n13 августа 2015\n\n${RU_PARAGRAPHS.join('\n\n')}\n\nПоддержать\n\nЧитайте также`;

let server: TestServer;
let slow: Array<() => void> = [];

beforeAll(async () => {
  const template = await readFile(path.join(FIXTURES, 'html/ru-zavod.html'), 'utf8');
  const page = (meta: string) => template.replace('<!--CHARSET-->', meta);
  const koi8Page = (meta: string) => koi8Safe(page(meta));
  server = await startServer({
    '/cp1251-header': send(iconv.encode(page(''), 'windows-1251'), 'text/html; charset=windows-1251'),
    '/koi8-meta': send(iconv.encode(koi8Page('<meta charset="koi8-r">'), 'koi8-r'), 'text/html'),
    '/koi8-http-equiv': send(iconv.encode(koi8Page('<meta http-equiv="Content-Type" content="text/html; charset=KOI8-R">'), 'koi8-r'), 'text/html'),
    '/cp1251-undeclared': send(iconv.encode(page(''), 'windows-1251'), 'text/html'),
    '/koi8-undeclared.txt': send(iconv.encode(koi8Safe(RU_TEXT), 'koi8-r'), 'text/plain'),
    '/r1': (_q, res) => res.writeHead(301, { location: '/r2' }).end(),
    '/r2': (_q, res) => res.writeHead(302, { location: `${server.base}/r3` }).end(),
    '/r3': (_q, res) => res.writeHead(307, { location: '/cp1251-header' }).end(),
    '/loop-a': (_q, res) => res.writeHead(302, { location: '/loop-b' }).end(),
    '/loop-b': (_q, res) => res.writeHead(302, { location: '/loop-a' }).end(),
    '/big-declared': (_q, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': String(5 * 1024 * 1024) });
      res.end(Buffer.alloc(5 * 1024 * 1024, 0x20));
    },
    '/big-chunked': (_q, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (sent < 80 && res.write(chunk)) sent++;
        if (sent >= 80) res.end();
        else res.once('drain', pump);
      };
      pump();
    },
    '/photo.png': send(Buffer.from('89504e470d0a1a0a', 'hex'), 'image/png'),
    '/download': send('%PDF-1.4', 'application/octet-stream'),
    '/stall': (_q, res) => {
      // Headers, then silence: the body never completes.
      res.writeHead(200, { 'content-type': 'text/html' });
      res.write('<html><body><p>');
      slow.push(() => res.end());
    },
    '/no-answer': (_q, res) => {
      slow.push(() => res.end());
    },
    '/server-error': (_q, res) => res.writeHead(503).end('busy'),
  });
});

afterAll(async () => {
  for (const release of slow) release();
  slow = [];
  await server?.close();
});

async function ingestOne(url: string, extra: Record<string, unknown> = {}) {
  const { dir, cleanup } = await tempDir('samizdat-ingest-');
  try {
    const result = await ingest([url], { outDir: dir, ...extra });
    const files = result.written.map((w) => w.file);
    const texts = await Promise.all(files.map((f) => readFile(f, 'utf8')));
    return { result, texts, dir };
  } finally {
    await cleanup();
  }
}

function bodyParagraphs(md: string): string[] {
  return md.split(/\n---\n/)[1]!.trim().split(/\n\n+/);
}

describe('charsets', () => {
  for (const [route, how] of [
    ['/cp1251-header', 'windows-1251 named in the Content-Type header'],
    ['/koi8-meta', 'KOI8-R named in <meta charset>'],
    ['/koi8-http-equiv', 'KOI8-R named in <meta http-equiv>'],
    ['/cp1251-undeclared', 'windows-1251 declared nowhere (detected)'],
  ] as const) {
    it(`reads a page in ${how}`, async () => {
      const { result, texts } = await ingestOne(server.url(route));
      expect(result.errors).toEqual([]);
      expect(result.written).toHaveLength(1);
      const md = texts[0]!;
      expect(md).toContain('title: Завод в Подмосковье возобновил выпуск трамваев');
      expect(md).toContain('date: 2015-08-13T08:05:00Z');
      expect(md).toContain('lang: ru');
      expect(bodyParagraphs(md)).toEqual(route.includes('koi8') ? RU_PARAGRAPHS.map(koi8Safe) : RU_PARAGRAPHS);
      for (const f of RU_FURNITURE) expect(md).not.toContain(f);
    });
  }

  it('reads plain text in KOI8-R declared nowhere', async () => {
    const { result, texts } = await ingestOne(server.url('/koi8-undeclared.txt'));
    expect(result.errors).toEqual([]);
    expect(texts[0]).toContain('title: Завод в Подмосковье возобновил выпуск трамваев');
    expect(texts[0]).toContain('date: 2015-08-13\n');
    expect(bodyParagraphs(texts[0]!)).toEqual(RU_PARAGRAPHS.map(koi8Safe));
    expect(texts[0]).not.toContain('Поддержать');
  });
});

describe('redirects, limits, content types, timeouts', () => {
  it('follows a chain of three redirects (relative and absolute) and records the final address as the source', async () => {
    const { result, texts } = await ingestOne(server.url('/r1'));
    expect(result.errors).toEqual([]);
    expect(texts[0]).toContain(`source: ${server.url('/cp1251-header')}`);
    expect(bodyParagraphs(texts[0]!)).toEqual(RU_PARAGRAPHS);
  });

  it('stops after the redirect limit', async () => {
    await expect(fetchResource(server.url('/r1'), 'document', { limits: { maxRedirects: 2 } })).rejects.toMatchObject({ code: 'INGEST_TOO_MANY_REDIRECTS', message: expect.stringContaining(server.url('/r1')) });
    await expect(fetchResource(server.url('/loop-a'), 'document')).rejects.toMatchObject({ code: 'INGEST_TOO_MANY_REDIRECTS' });
  });

  it('refuses a body over the size limit, whether Content-Length says so or not', async () => {
    const limits = { maxBytes: 1024 * 1024 };
    await expect(fetchResource(server.url('/big-declared'), 'document', { limits })).rejects.toMatchObject({ code: 'INGEST_TOO_LARGE', message: expect.stringContaining('/big-declared') });
    await expect(fetchResource(server.url('/big-chunked'), 'document', { limits })).rejects.toMatchObject({ code: 'INGEST_TOO_LARGE', message: expect.stringContaining('1 MiB') });
    const { result } = await ingestOne(server.url('/big-chunked'), { fetch: limits });
    expect(result.written).toEqual([]);
    expect(result.errors.map((e) => e.code)).toEqual(['INGEST_TOO_LARGE']);
  });

  it('refuses a wrong content type', async () => {
    await expect(fetchResource(server.url('/photo.png'), 'document')).rejects.toMatchObject({ code: 'INGEST_CONTENT_TYPE', message: expect.stringContaining('image/png') });
    await expect(fetchResource(server.url('/download'), 'document')).rejects.toMatchObject({ code: 'INGEST_CONTENT_TYPE', message: expect.stringContaining('application/octet-stream') });
    await expect(fetchResource(server.url('/cp1251-header'), 'image')).rejects.toMatchObject({ code: 'INGEST_CONTENT_TYPE' });
  });

  it('times out on a server that stalls mid-body or never answers (retryable)', async () => {
    const started = Date.now();
    await expect(fetchResource(server.url('/stall'), 'document', { limits: { timeoutMs: 300 } })).rejects.toMatchObject({ code: 'INGEST_TIMEOUT', retryable: true, message: expect.stringContaining('/stall') });
    await expect(fetchResource(server.url('/no-answer'), 'document', { limits: { timeoutMs: 300 } })).rejects.toMatchObject({ code: 'INGEST_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('reports an unreachable address and an HTTP error with the URL and the cause', async () => {
    const port = await freePort();
    await expect(fetchResource(`http://127.0.0.1:${port}/x`, 'document')).rejects.toMatchObject({ code: 'INGEST_UNREACHABLE', retryable: true, message: expect.stringMatching(new RegExp(`127\\.0\\.0\\.1:${port}/x: the connection was refused`)) });
    await expect(fetchResource(server.url('/server-error'), 'document')).rejects.toMatchObject({ code: 'INGEST_HTTP_STATUS', retryable: true, message: expect.stringContaining('503') });
    await expect(fetchResource(server.url('/nope'), 'document')).rejects.toMatchObject({ code: 'INGEST_HTTP_STATUS', retryable: false, message: expect.stringContaining('404') });
  });

  it('an abort signal cancels the request', async () => {
    const controller = new AbortController();
    const pending = fetchResource(server.url('/no-answer'), 'document', { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
