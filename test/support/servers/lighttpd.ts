/**
 * lighttpd on 127.0.0.1 with basic auth, as a strict WebDAV server (mod_webdav answers 409 to a
 * PUT into a missing folder, like Apache and Nextcloud) or, through `startLighttpd`, with any
 * extra config (git.ts runs git-http-backend under it).
 *
 *   const dav = await startLighttpdDav();   // ~60 ms
 *   dav.url                                  // "http://127.0.0.1:PORT/" (the WebDAV root)
 *   dav.root                                 // the folder on disk behind that URL
 *   dav.username, dav.password               // basic-auth credentials it accepts
 *   await dav.stall() / resume() / kill() / restart() / stop()
 *
 *   const srv = await startLighttpd({ config: (dir, port) => '…lighttpd.conf lines…' });
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, tempDir } from '../net.ts';
import { startManaged, faultHooks } from './managed-process.ts';

const run = promisify(execFile);

export interface HttpTestServer {
  readonly port: number;
  /** Base URL with a trailing slash. */
  readonly url: string;
  readonly dir: string;
  readonly username: string;
  readonly password: string;
  stall(): Promise<void>;
  resume(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface DavTestServer extends HttpTestServer {
  /** The folder served at `url`. */
  readonly root: string;
}

/** An htpasswd line for `user` (apr1 MD5, which lighttpd and nginx both read). */
export async function htpasswdLine(user: string, password: string): Promise<string> {
  const { stdout } = await run('openssl', ['passwd', '-apr1', password]);
  return `${user}:${stdout.trim()}\n`;
}

export interface LighttpdOptions {
  /** Extra lighttpd.conf text; `dir` is the server's temp folder, `port` its port. */
  config: (dir: string, port: number) => string;
  /** Extra modules to load besides mod_auth and mod_authn_file. */
  modules: string[];
  username?: string;
  password?: string;
}

export async function startLighttpd(options: LighttpdOptions): Promise<HttpTestServer> {
  const { dir, cleanup } = await tempDir('samizdat-lighttpd-');
  const port = await freePort();
  const username = options.username ?? 'mirror';
  const password = options.password ?? 'dav-test-password';
  await writeFile(path.join(dir, 'htpasswd'), await htpasswdLine(username, password));
  await mkdir(path.join(dir, 'upload'));
  const conf = path.join(dir, 'lighttpd.conf');
  await writeFile(
    conf,
    [
      `server.port = ${port}`,
      'server.bind = "127.0.0.1"',
      `server.errorlog = "${dir}/error.log"`,
      `server.upload-dirs = ( "${dir}/upload" )`,
      `server.modules = ( ${['mod_auth', 'mod_authn_file', ...options.modules].map((m) => `"${m}"`).join(', ')} )`,
      'auth.backend = "htpasswd"',
      `auth.backend.htpasswd.userfile = "${dir}/htpasswd"`,
      'auth.require = ( "/" => ( "method" => "basic", "realm" => "samizdat-test", "require" => "valid-user" ) )',
      options.config(dir, port),
      '',
    ].join('\n'),
  );
  const proc = await startManaged({
    command: '/usr/sbin/lighttpd',
    args: ['-D', '-f', conf, '-m', '/usr/lib/lighttpd'],
    port,
    logFile: path.join(dir, 'stdout.log'),
  });
  return {
    port,
    url: `http://127.0.0.1:${port}/`,
    dir,
    username,
    password,
    ...faultHooks(proc, cleanup),
  };
}

export async function startLighttpdDav(): Promise<DavTestServer> {
  let root = '';
  const server = await startLighttpd({
    modules: ['mod_webdav'],
    config: (dir) => {
      root = path.join(dir, 'root');
      mkdirSync(root);
      return [
        `server.document-root = "${root}"`,
        'webdav.activate = "enable"',
        'webdav.is-readonly = "disable"',
        'webdav.opts = ( "propfind-depth-infinity" => "enable" )',
      ].join('\n');
    },
  });
  return Object.assign(server, { root });
}
