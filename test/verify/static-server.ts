/** A small static file server on 127.0.0.1 for the mirror tests (node:http, a free port). */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface StaticServer {
  url: string;
  /** Request paths seen, in order. */
  requests: string[];
  /** Milliseconds to wait before answering a path ("/" + bundle path). */
  delays: Map<string, number>;
  /** Status codes to answer for a path instead of the file. */
  statuses: Map<string, number>;
  close(): Promise<void>;
}

export async function startStaticServer(root: string): Promise<StaticServer> {
  const requests: string[] = [];
  const delays = new Map<string, number>();
  const statuses = new Map<string, number>();
  const server = http.createServer(async (req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(urlPath);
    const wait = delays.get(urlPath);
    if (wait) await new Promise((r) => setTimeout(r, wait));
    if (res.destroyed) return;
    const status = statuses.get(urlPath);
    if (status) {
      res.writeHead(status).end();
      return;
    }
    const file = path.join(root, urlPath.endsWith('/') ? `${urlPath}index.html` : urlPath);
    if (!file.startsWith(root + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const st = await stat(file);
      if (!st.isFile()) throw new Error('not a file');
      res.writeHead(200, { 'content-length': st.size });
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    delays,
    statuses,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
