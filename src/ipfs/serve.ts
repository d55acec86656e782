/**
 * `samizdat serve`: a local preview on 127.0.0.1. `/` serves the bundle folder as a mirror host
 * would; `/ipfs/<cid>/…` serves any DAG in the local block store through the UnixFS exporter,
 * so the bytes come out of IPFS blocks exactly as a path gateway returns them: index.html for
 * folders, a redirect to add the slash (relative links need it), content types, 404s, byte ranges.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { exporter, type UnixFSEntry } from 'ipfs-unixfs-exporter';
import { lookup } from 'mime-types';
import { CID } from 'multiformats/cid';
import type { LocalBlockstore } from './blockstore.ts';

export interface PreviewServerOptions {
  /** The bundle folder served at `/`. */
  siteDir: string;
  /** The block store whose DAGs are served at `/ipfs/<cid>/`. */
  blockstore: LocalBlockstore;
  /** 0 picks a free port. */
  port?: number;
  /** Loopback only, always; the option exists for IPv6 loopback. */
  host?: '127.0.0.1' | '::1';
  /** Called for every request (method, URL, status), for the CLI's log. */
  onRequest?: (entry: { method: string; url: string; status: number }) => void;
}

export interface PreviewServer {
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

export async function startPreviewServer(options: PreviewServerOptions): Promise<PreviewServer> {
  const siteDir = path.resolve(options.siteDir);
  const server = http.createServer((req, res) => {
    handle(req, res, siteDir, options.blockstore).then(
      () => options.onRequest?.({ method: req.method ?? '', url: req.url ?? '', status: res.statusCode }),
      (err) => {
        if (!res.headersSent) send(res, 500, `Internal error: ${(err as Error).message}\n`);
        else res.destroy();
        options.onRequest?.({ method: req.method ?? '', url: req.url ?? '', status: 500 });
      },
    );
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => (server.off('error', reject), resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host === '::1' ? '[::1]' : host}:${port}/`,
    port,
    server,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, siteDir: string, blockstore: LocalBlockstore): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'Only GET and HEAD.\n');
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return send(res, 400, 'Bad URL encoding.\n');
  }
  if (pathname.includes('\0') || pathname.split('/').some((s) => s === '..' || s === '.')) return send(res, 400, 'Bad path.\n');
  if (pathname === '/ipfs' || pathname.startsWith('/ipfs/')) return serveIpfs(req, res, url, pathname, blockstore);
  return serveFolder(req, res, url, pathname, siteDir);
}

async function serveIpfs(req: http.IncomingMessage, res: http.ServerResponse, url: URL, pathname: string, blockstore: LocalBlockstore): Promise<void> {
  const [, , cidText, ...rest] = pathname.split('/');
  let cid: CID;
  try {
    cid = CID.parse(cidText ?? '');
  } catch {
    return send(res, 400, `Not a CID: ${cidText ?? ''}\n`);
  }
  const subPath = rest.filter(Boolean).join('/');
  let entry: UnixFSEntry;
  let servedName = subPath;
  try {
    entry = await exporter(subPath ? `${cid.toString()}/${subPath}` : cid, blockstore, { offline: true });
    if (entry.type === 'directory') {
      if (!pathname.endsWith('/')) return redirect(res, `${url.pathname}/${url.search}`);
      entry = await exporter(`${cid.toString()}/${subPath ? `${subPath}/` : ''}index.html`, blockstore, { offline: true });
      servedName = 'index.html';
    }
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'NotFoundError' || name === 'ERR_NOT_FOUND' || (err as { code?: string }).code === 'ERR_NOT_FOUND') {
      return send(res, 404, `Not found in the local block store: ${pathname}\n`);
    }
    throw err;
  }
  if (entry.type !== 'file' && entry.type !== 'raw' && entry.type !== 'identity') return send(res, 404, `Not a file: ${pathname}\n`);
  const size = Number(entry.size);
  res.setHeader('Cache-Control', 'public, max-age=29030400, immutable');
  res.setHeader('Etag', `"${entry.cid.toString()}"`);
  const range = parseRange(req.headers.range, size);
  if (range === 'invalid') return unsatisfiable(res, size);
  res.setHeader('Content-Type', contentType(servedName));
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  const { start, end } = range ?? { start: 0, end: size - 1 };
  res.statusCode = range ? 206 : 200;
  if (range) res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
  res.setHeader('Content-Length', String(Math.max(0, end - start + 1)));
  if (req.method === 'HEAD' || size === 0) return void res.end();
  for await (const chunk of entry.content({ offset: start, length: end - start + 1 })) {
    if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
  }
  res.end();
}

async function serveFolder(req: http.IncomingMessage, res: http.ServerResponse, url: URL, pathname: string, siteDir: string): Promise<void> {
  let file = path.join(siteDir, pathname);
  if (file !== siteDir && !file.startsWith(siteDir + path.sep)) return send(res, 400, 'Bad path.\n');
  let info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) {
    if (!pathname.endsWith('/')) return redirect(res, `${url.pathname}/${url.search}`);
    file = path.join(file, 'index.html');
    info = await stat(file).catch(() => undefined);
  }
  if (!info?.isFile()) return send(res, 404, `Not found: ${pathname}\n`);
  const size = info.size;
  const range = parseRange(req.headers.range, size);
  if (range === 'invalid') return unsatisfiable(res, size);
  res.setHeader('Content-Type', contentType(file));
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-cache');
  const { start, end } = range ?? { start: 0, end: size - 1 };
  res.statusCode = range ? 206 : 200;
  if (range) res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
  res.setHeader('Content-Length', String(Math.max(0, end - start + 1)));
  if (req.method === 'HEAD' || size === 0) return void res.end();
  await new Promise<void>((resolve, reject) => {
    createReadStream(file, { start, end }).on('error', reject).on('end', resolve).pipe(res);
  });
}

/** One `bytes=` range (what browsers and media players send); several ranges get the whole file. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'invalid' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  const [, a, b] = m;
  let start: number;
  let end: number;
  if (a === '' && b === '') return undefined;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return 'invalid';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return 'invalid';
  return { start, end };
}

function contentType(file: string): string {
  const type = lookup(file) || 'application/octet-stream';
  return /^text\/|\/(xml|json|javascript)$|\+xml$/.test(type) ? `${type}; charset=utf-8` : type;
}

function send(res: http.ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', String(Buffer.byteLength(body)));
  res.end(body);
}

function redirect(res: http.ServerResponse, location: string): void {
  res.statusCode = 301;
  res.setHeader('Location', location);
  res.setHeader('Content-Length', '0');
  res.end();
}

function unsatisfiable(res: http.ServerResponse, size: number): void {
  res.setHeader('Content-Range', `bytes */${size}`);
  send(res, 416, 'Range not satisfiable.\n');
}
