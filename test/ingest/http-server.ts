/**
 * A real HTTP server on 127.0.0.1 (free port) for the ingest tests: each route is a small
 * handler, so a test can serve pages in any charset, redirect chains, oversized or stalled
 * bodies and wrong content types.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface TestServer {
  base: string;
  url(path: string): string;
  /** Paths requested so far, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startServer(routes: Record<string, Route>): Promise<TestServer> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push(path);
    const route = routes[path];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    route(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    url: (p) => `${base}${p}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A handler that answers with a body and a content type. */
export const send =
  (body: string | Buffer, contentType: string, extra: Record<string, string> = {}): Route =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)), ...extra }).end(body);
  };
