/**
 * The js-ipfs daemon (ipfs@0.66.1) for tests of the `kubo` pin target: the only IPFS node with a
 * Kubo-compatible RPC API that installs on these machines (no Kubo binary can be fetched).
 * It is installed once by scripts/js-ipfs/install.sh into a cache folder of its own (never the
 * project's node_modules), and runs on 127.0.0.1 only: --offline, no bootstrap peers, no MDNS,
 * no preload, no delegates, swarm/API/gateway/RPC bound to loopback.
 *
 * It prints CIDv1 in base58 and imports with old defaults: tests compare parsed CIDs and never
 * use it as a CID oracle.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, tempDir, waitForPort } from '../../support/net.ts';

const run = promisify(execFile);
const INSTALL = path.resolve(import.meta.dirname, '../../../scripts/js-ipfs/install.sh');

/** Installs (or finds cached) js-ipfs; resolves to its folder, or to { skip } with the reason it cannot be installed. */
export async function installJsIpfs(): Promise<{ dir: string } | { skip: string }> {
  try {
    const { stdout } = await run('bash', [INSTALL], { timeout: 15 * 60_000, maxBuffer: 1 << 20 });
    return { dir: stdout.trim().split('\n').pop()! };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return { skip: `js-ipfs (ipfs@0.66.1) could not be installed, so the kubo target is not tested against a real node: ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' | ')}` };
  }
}

export interface JsIpfsDaemon {
  apiUrl: string;
  gatewayUrl: string;
  repo: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

export async function startJsIpfs(installDir: string): Promise<JsIpfsDaemon> {
  const { dir, cleanup } = await tempDir('samizdat-jsipfs-');
  const repo = path.join(dir, 'repo');
  const cli = path.join(installDir, 'node_modules/ipfs/src/cli.js');
  const polyfill = path.join(installDir, 'polyfill.cjs');
  const env = { ...process.env, IPFS_PATH: repo, HOME: dir, DEBUG: '' };
  await run(process.execPath, ['-r', polyfill, cli, 'init', '--empty-repo'], { env, timeout: 120_000 });

  const [swarm, api, gateway, rpc] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const configFile = path.join(repo, 'config');
  const config = JSON.parse(await readFile(configFile, 'utf8'));
  config.Addresses = {
    Swarm: [`/ip4/127.0.0.1/tcp/${swarm}`],
    Announce: [],
    NoAnnounce: [],
    API: `/ip4/127.0.0.1/tcp/${api}`,
    Gateway: `/ip4/127.0.0.1/tcp/${gateway}`,
    RPC: `/ip4/127.0.0.1/tcp/${rpc}`,
    Delegates: [],
  };
  config.Bootstrap = [];
  config.Discovery = { MDNS: { Enabled: false, Interval: 10 }, webRTCStar: { Enabled: false } };
  config.Swarm = { ...config.Swarm, DisableNatPortMap: true };
  config.Routing = { Type: 'none' };
  config.Pubsub = { ...config.Pubsub, Enabled: false };
  await writeFile(configFile, JSON.stringify(config, null, 2));

  // Started here rather than with the shared launcher: js-ipfs takes 5-20 s to open its API
  // on a busy two-core machine.
  const logFile = path.join(dir, 'daemon.log');
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['-r', polyfill, cli, 'daemon', '--offline', '--enable-preload=false'], { env, stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    await cleanup();
  };
  try {
    await Promise.race([
      waitForPort(api, 120_000),
      exited.then(async () => {
        throw new Error(`js-ipfs daemon exited before listening: ${(await readFile(logFile, 'utf8')).slice(-2000)}`);
      }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { apiUrl: `http://127.0.0.1:${api}`, gatewayUrl: `http://127.0.0.1:${gateway}`, repo, pid: child.pid!, logFile, stop };
}
