/**
 * A real nginx on 127.0.0.1 serving a bundle folder the two ways readers meet it:
 *
 *   const web = await startStaticNginx(folder, { name: 'bafy…' });   // ~70 ms
 *   web.rootUrl      // "http://127.0.0.1:P1/"              the folder at a host's root (a mirror)
 *   web.gatewayUrl   // "http://127.0.0.1:P2/ipfs/bafy…/"   the folder on a sub-path, like an IPFS
 *                    //   path gateway; "/" of that server serves nothing, so a link that starts
 *                    //   at the host's root breaks there exactly as on a real gateway
 *   web.gatewayOrigin // "http://127.0.0.1:P2"
 *   await web.stop() // by PID; removes its temp folder (never the served folder)
 *
 * The gateway reaches the folder through a symlink, so the bytes are the same files.
 * `absolute_redirect off`: redirects (a folder without its slash) stay relative, as on gateways.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort, tempDir, waitForPort } from './net.ts';
import { startManaged } from './servers/managed-process.ts';

export interface StaticNginx {
  rootUrl: string;
  gatewayUrl: string;
  gatewayOrigin: string;
  /** The name used in /ipfs/<name>/. */
  name: string;
  /** nginx's access log: one line per request, for tests that want the server's view. */
  accessLog: string;
  stop(): Promise<void>;
}

export async function startStaticNginx(folder: string, options: { name?: string } = {}): Promise<StaticNginx> {
  const name = options.name ?? 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`startStaticNginx: "${name}" is not a plain path segment`);
  const { dir, cleanup } = await tempDir('samizdat-nginx-static-');
  const rootPort = await freePort();
  let gatewayPort = await freePort();
  while (gatewayPort === rootPort) gatewayPort = await freePort();
  await mkdir(path.join(dir, 'tmp'));
  await mkdir(path.join(dir, 'gateway', 'ipfs'), { recursive: true });
  await symlink(path.resolve(folder), path.join(dir, 'gateway', 'ipfs', name));
  const conf = path.join(dir, 'nginx.conf');
  await writeFile(
    conf,
    `user root;
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  charset utf-8;
  charset_types text/html text/xml text/plain text/css application/json application/feed+json application/atom+xml application/rss+xml image/svg+xml;
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  absolute_redirect off;
  server_tokens off;
  # A mirror: the bundle at the host's root.
  server {
    listen 127.0.0.1:${rootPort};
    root ${path.resolve(folder)};
    index index.html;
  }
  # A path gateway: nothing at "/", the bundle under /ipfs/<name>/.
  server {
    listen 127.0.0.1:${gatewayPort};
    root ${dir}/gateway;
    index index.html;
    autoindex off;
  }
}
`,
  );
  const proc = await startManaged({
    command: '/usr/sbin/nginx',
    args: ['-c', conf, '-p', `${dir}/`, '-e', `${dir}/error.log`],
    port: rootPort,
    logFile: path.join(dir, 'stdout.log'),
  });
  try {
    await waitForPort(gatewayPort);
  } catch (err) {
    await proc.stop();
    await cleanup();
    throw err;
  }
  let stopped = false;
  return {
    rootUrl: `http://127.0.0.1:${rootPort}/`,
    gatewayUrl: `http://127.0.0.1:${gatewayPort}/ipfs/${name}/`,
    gatewayOrigin: `http://127.0.0.1:${gatewayPort}`,
    name,
    accessLog: path.join(dir, 'access.log'),
    async stop() {
      if (stopped) return;
      stopped = true;
      await proc.stop();
      await cleanup();
    },
  };
}
