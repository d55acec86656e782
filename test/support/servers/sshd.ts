/**
 * A throwaway OpenSSH sshd on 127.0.0.1 for SFTP (and git over ssh) tests.
 *
 *   const sshd = await startSshd();      // ~0.1 s; fresh ed25519 host and user keys in a temp dir
 *   sshd.port, sshd.user                 // log in as the current user (root here) with the user key
 *   sshd.userKey                         // private key text (OpenSSH format) accepted by the server
 *   sshd.userKeyPath                     // the same key as a file
 *   sshd.strangerKey                     // a valid private key the server does NOT accept
 *   sshd.hostKeyFingerprint              // "SHA256:…" as `ssh-keygen -lf` prints it
 *   sshd.hostPublicKey                   // "ssh-ed25519 AAAA…" (for known_hosts)
 *   sshd.otherHostKeyFingerprint         // fingerprint of a different key (wrong-host-key tests)
 *   sshd.otherHostPublicKey              // that different key, "ssh-ed25519 AAAA…"
 *   sshd.root                            // an empty folder under the temp dir to use as mirror root
 *   await sshd.stall() / resume() / kill() / restart() / stop()
 *
 * Config per TEST-SERVERS.md: key auth only, StrictModes no (keys live under /tmp), internal-sftp.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, tempDir } from '../net.ts';
import { startManaged, type ManagedProcess, faultHooks } from './managed-process.ts';

const run = promisify(execFile);

export interface SshdServer {
  readonly port: number;
  readonly user: string;
  readonly dir: string;
  readonly root: string;
  readonly userKey: string;
  readonly userKeyPath: string;
  readonly strangerKey: string;
  readonly hostKeyFingerprint: string;
  readonly hostPublicKey: string;
  readonly otherHostKeyFingerprint: string;
  readonly otherHostPublicKey: string;
  stall(): Promise<void>;
  resume(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Creates an ed25519 key pair at `file` and `file.pub`. */
export async function makeEd25519Key(file: string): Promise<void> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'samizdat-test', '-f', file]);
}

/** "SHA256:…" of a public key file, exactly as `ssh-keygen -lf` prints it. */
export async function fingerprintOf(publicKeyFile: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-lf', publicKeyFile]);
  return stdout.split(' ')[1]!;
}

export async function startSshd(): Promise<SshdServer> {
  const { dir, cleanup } = await tempDir('samizdat-sshd-');
  const port = await freePort();
  const hostKey = path.join(dir, 'ssh_host_ed25519_key');
  const otherHostKey = path.join(dir, 'other_host_key');
  const userKey = path.join(dir, 'user_key');
  const strangerKey = path.join(dir, 'stranger_key');
  await Promise.all([hostKey, otherHostKey, userKey, strangerKey].map(makeEd25519Key));
  await writeFile(path.join(dir, 'authorized_keys'), await readFile(`${userKey}.pub`));
  const root = path.join(dir, 'root');
  await mkdir(root);
  const config = path.join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  await mkdir('/run/sshd', { recursive: true });
  const proc: ManagedProcess = await startManaged({
    command: '/usr/sbin/sshd',
    args: ['-D', '-f', config, '-E', path.join(dir, 'sshd.log')],
    port,
    logFile: path.join(dir, 'sshd.out'),
  });
  const publicKey = async (file: string) => (await readFile(`${file}.pub`, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
  return {
    port,
    user: os.userInfo().username,
    dir,
    root,
    userKey: await readFile(userKey, 'utf8'),
    userKeyPath: userKey,
    strangerKey: await readFile(strangerKey, 'utf8'),
    hostKeyFingerprint: await fingerprintOf(`${hostKey}.pub`),
    hostPublicKey: await publicKey(hostKey),
    otherHostPublicKey: await publicKey(otherHostKey),
    otherHostKeyFingerprint: await fingerprintOf(`${otherHostKey}.pub`),
    ...faultHooks(proc, cleanup),
  };
}
