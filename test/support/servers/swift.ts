/**
 * OpenStack Swift with its s3api layer (the real S3 protocol: SigV4 checks, multipart ETags) on
 * free loopback ports in a temp folder, as ../../../../shared/TEST-SERVERS.md describes: rings
 * built with swift-ring-builder, account/container/object/proxy servers with workers = 0,
 * tempauth (key "test:tester", secret "testing") backed by its own memcached. Start once per
 * test file (beforeAll): it takes 8-20 s and ~260 MB. Every process is stopped by PID.
 *
 *   const swift = await startSwift();
 *   await swift.createBucket('site');
 *   ... endpoint: swift.endpoint, accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey
 *   await swift.stop();
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort, tempDir, waitForPort } from '../net.ts';

export interface SwiftServer {
  /** http://127.0.0.1:PORT, the S3 endpoint (use path-style addressing). */
  endpoint: string;
  port: number;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The temp folder with configs, rings, data and logs. */
  dir: string;
  /** Creates a bucket (idempotent). */
  createBucket(name: string): Promise<void>;
  /** SIGSTOPs the proxy: its port stays open but nothing answers. Returns a function that resumes it. */
  stallProxy(): Promise<() => Promise<void>>;
  /** SIGKILLs the proxy (the storage servers keep running). */
  killProxy(): Promise<void>;
  /** Starts the proxy again on the same port; resolves when /healthcheck answers. */
  restartProxy(): Promise<void>;
  /** The tail of the proxy's log, for test failure messages. */
  proxyLog(): Promise<string>;
  /** Stops every process by PID and removes the temp folder. */
  stop(): Promise<void>;
}

const ACCESS_KEY = 'test:tester';
const SECRET = 'testing';
const REGION = 'us-east-1';

export async function startSwift(): Promise<SwiftServer> {
  const tmp = await tempDir('samizdat-swift-');
  const dir = tmp.dir;
  const children = new Set<ChildProcess>();
  // If the test process dies without teardown, do not leave Swift running.
  const killAll = () => {
    for (const child of children) {
      try {
        process.kill(child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };
  process.once('exit', killAll);
  try {
    const [proxyPort, accountPort, containerPort, objectPort, memcachedPort] = (await uniquePorts(5)) as [number, number, number, number, number];
    const devices = path.join(dir, 'srv');
    await mkdir(path.join(devices, 'd1'), { recursive: true });

    for (const [ring, port] of [['account', accountPort], ['container', containerPort], ['object', objectPort]] as const) {
      const builder = path.join(dir, `${ring}.builder`);
      ringBuilder(builder, 'create', '8', '1', '1');
      ringBuilder(builder, 'add', `r1z1-127.0.0.1:${port}/d1`, '100');
      ringBuilder(builder, 'rebalance');
    }

    const common = (port: number) =>
      `[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = ${port}\nworkers = 0\nuser = root\nswift_dir = ${dir}\ndevices = ${devices}\nmount_check = false\nlog_level = WARNING\nlog_name = swift-${port}\n`;
    await writeFile(path.join(dir, 'account-server.conf'), `${common(accountPort)}\n[pipeline:main]\npipeline = account-server\n\n[app:account-server]\nuse = egg:swift#account\n`);
    await writeFile(path.join(dir, 'container-server.conf'), `${common(containerPort)}\n[pipeline:main]\npipeline = container-server\n\n[app:container-server]\nuse = egg:swift#container\n`);
    await writeFile(path.join(dir, 'object-server.conf'), `${common(objectPort)}\n[pipeline:main]\npipeline = object-server\n\n[app:object-server]\nuse = egg:swift#object\n`);
    await writeFile(
      path.join(dir, 'proxy-server.conf'),
      `${common(proxyPort)}
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth bulk slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:s3api]
use = egg:swift#s3api
location = ${REGION}

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = ${SECRET} .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:${memcachedPort}

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:bulk]
use = egg:swift#bulk

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo
`,
    );

    const start = (name: string, command: string, args: string[]): ChildProcess => {
      const log = openSync(path.join(dir, `${name}.log`), 'a');
      const child = spawn(command, args, { cwd: dir, stdio: ['ignore', log, log] });
      closeSync(log);
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    };

    start('memcached', '/usr/bin/memcached', ['-u', 'root', '-l', '127.0.0.1', '-p', String(memcachedPort), '-U', '0', '-m', '16']);
    start('account', '/usr/bin/swift-account-server', [path.join(dir, 'account-server.conf'), '-v']);
    start('container', '/usr/bin/swift-container-server', [path.join(dir, 'container-server.conf'), '-v']);
    start('object', '/usr/bin/swift-object-server', [path.join(dir, 'object-server.conf'), '-v']);
    let proxy = start('proxy', '/usr/bin/swift-proxy-server', [path.join(dir, 'proxy-server.conf'), '-v']);

    const endpoint = `http://127.0.0.1:${proxyPort}`;
    const readLog = async () => (await readFile(path.join(dir, 'proxy.log'), 'utf8').catch(() => '')).slice(-4000);
    const waitHealthy = async (timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (proxy.exitCode !== null || proxy.signalCode !== null) throw new Error(`swift-proxy-server exited:\n${await readLog()}`);
        const ok = await fetch(`${endpoint}/healthcheck`, { signal: AbortSignal.timeout(1000) }).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`swift did not answer /healthcheck within ${timeoutMs} ms:\n${await readLog()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    await Promise.all([waitForPort(memcachedPort, 20_000), waitForPort(accountPort, 60_000), waitForPort(containerPort, 60_000), waitForPort(objectPort, 60_000)]);
    await waitHealthy();

    const client = new S3Client({
      endpoint,
      region: REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });

    let stopped = false;
    return {
      endpoint,
      port: proxyPort,
      region: REGION,
      accessKeyId: ACCESS_KEY,
      secretAccessKey: SECRET,
      dir,
      async createBucket(name) {
        try {
          await client.send(new CreateBucketCommand({ Bucket: name }));
        } catch (err) {
          const code = (err as { name?: string }).name;
          if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw err;
        }
      },
      async stallProxy() {
        process.kill(proxy.pid!, 'SIGSTOP');
        return async () => {
          process.kill(proxy.pid!, 'SIGCONT');
        };
      },
      async killProxy() {
        await stopChild(proxy, 'SIGKILL');
      },
      async restartProxy() {
        proxy = start('proxy', '/usr/bin/swift-proxy-server', [path.join(dir, 'proxy-server.conf'), '-v']);
        await waitHealthy();
      },
      proxyLog: readLog,
      async stop() {
        if (stopped) return;
        stopped = true;
        client.destroy();
        await Promise.all([...children].map((child) => stopChild(child, 'SIGTERM')));
        process.removeListener('exit', killAll);
        await tmp.cleanup();
      },
    };
  } catch (err) {
    await Promise.all([...children].map((child) => stopChild(child, 'SIGTERM')));
    process.removeListener('exit', killAll);
    await tmp.cleanup();
    throw err;
  }
}

function ringBuilder(...args: string[]): void {
  const result = spawnSync('/usr/bin/swift-ring-builder', args, { encoding: 'utf8' });
  // rebalance exits 1 with warnings on a one-device ring; only >1 is an error.
  if (result.error || (result.status ?? 2) > 1) throw new Error(`swift-ring-builder ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
}

async function uniquePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** Stops one child by PID: the signal, then SIGKILL after 5 s; resumes it first if stopped. */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(child.pid!, 'SIGCONT');
    process.kill(child.pid!, signal);
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}
