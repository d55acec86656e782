/**
 * nginx with the dav-ext module on 127.0.0.1: a lenient WebDAV server (creates parent folders on
 * PUT, refuses Depth: infinity with 403, wants a trailing slash on folders), basic auth.
 *
 *   const dav = await startNginxDav();   // ~70 ms
 *   dav.url                              // "http://127.0.0.1:PORT/" (the WebDAV root)
 *   dav.root                             // the folder on disk behind that URL
 *   dav.username, dav.password
 *   await dav.stall() / resume() / kill() / restart() / stop()
 *
 * Runs as one process (`master_process off`) so stall() stops the whole server.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort, tempDir } from '../net.ts';
import { htpasswdLine, type DavTestServer } from './lighttpd.ts';
import { startManaged, faultHooks } from './managed-process.ts';

const DAV_EXT = '/usr/lib/nginx/modules/ngx_http_dav_ext_module.so';

export async function startNginxDav(): Promise<DavTestServer> {
  const { dir, cleanup } = await tempDir('samizdat-nginx-');
  const port = await freePort();
  const username = 'mirror';
  const password = 'nginx-dav-test-password';
  const root = path.join(dir, 'root');
  await mkdir(root);
  await mkdir(path.join(dir, 'tmp'));
  await writeFile(path.join(dir, 'htpasswd'), await htpasswdLine(username, password));
  const conf = path.join(dir, 'nginx.conf');
  await writeFile(
    conf,
    `load_module ${DAV_EXT};
user root;
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    client_max_body_size 0;
    absolute_redirect off;
    location / {
      auth_basic "samizdat-test";
      auth_basic_user_file ${dir}/htpasswd;
      dav_methods PUT DELETE MKCOL COPY MOVE;
      dav_ext_methods PROPFIND OPTIONS;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
    }
  }
}
`,
  );
  const proc = await startManaged({
    command: '/usr/sbin/nginx',
    args: ['-c', conf, '-p', dir, '-e', path.join(dir, 'error.log')],
    port,
    logFile: path.join(dir, 'stdout.log'),
  });
  return {
    port,
    url: `http://127.0.0.1:${port}/`,
    dir,
    root,
    username,
    password,
    ...faultHooks(proc, cleanup),
  };
}
