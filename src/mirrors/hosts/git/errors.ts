/**
 * What the git CLI's failures mean, as typed host errors. git reports everything on stderr in
 * English (the host runs it with LC_ALL=C); the patterns below are the messages of git 2.x,
 * OpenSSH and the smart-HTTP servers of GitHub, GitLab and Codeberg.
 */
import { SamizdatError } from '../../../errors.ts';
import { HostAuthError, HostError, HostKeyMismatchError, HostUnreachableError } from '../../errors.ts';
import { redactSecrets } from '../redact.ts';
import { fingerprintOfKeyBlob } from '../sftp/ssh-util.ts';
import type { GitTransport } from './remote.ts';
import { GitCommandError } from './run.ts';

export interface GitErrorContext {
  host: string;
  /** What was being done, for the message ("committing and pushing"). */
  what: string;
  /** Values that must never appear in a message (token, its header form, key text). */
  secrets: readonly string[];
  transport: GitTransport;
  branch: string;
  workTree: string;
  /** "TYPE BASE64" of the pinned ssh host key. */
  sshHostKey?: string;
  /** Name of the variable that holds the credential, for the hint. */
  credentialVariable?: string;
}

/** A plain Error carrying git's stderr with every secret removed (the cause of a host error). */
export function gitCause(err: GitCommandError, secrets: readonly string[]): Error {
  return Object.assign(new Error(`${err.message}: ${redactSecrets(err.stderr.trim(), secrets)}`), { exitCode: err.code });
}

export function gitHostError(err: unknown, ctx: GitErrorContext): Error {
  if (err instanceof SamizdatError) return err;
  const { host, what } = ctx;
  if (err instanceof GitCommandError) {
    const stderr = redactSecrets(err.stderr, ctx.secrets);
    const cause = gitCause(err, ctx.secrets);
    // The lines that say what went wrong, not the progress chatter.
    const said = stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^(fatal|error|remote|ERROR|!)/.test(l) || /denied|failed|refused/i.test(l))
      .slice(-3)
      .join(' / ')
      .slice(0, 400);
    if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key is known for/i.test(stderr)) {
      const pinned = ctx.sshHostKey ? fingerprintOfKeyBlob(Buffer.from(ctx.sshHostKey.split(' ')[1]!, 'base64')) : 'the pinned key';
      const actual = /SHA256:[A-Za-z0-9+/]{43}/.exec(stderr)?.[0] ?? 'a different key';
      return new HostKeyMismatchError(host, pinned, actual, { cause });
    }
    if (/Authentication failed|could not read (Username|Password)|terminal prompts disabled|Permission denied \(|returned error: 40[13]|HTTP 40[13]|Invalid username or password/i.test(stderr)) {
      const what = ctx.transport === 'ssh' ? 'key' : 'token';
      return new HostAuthError(host, `the git server refused the credentials (${said || `git ${err.args[0]} failed`})`, {
        cause,
        hint: `Check the ${what} in ${ctx.credentialVariable ?? `(no ${what} variable set)`} and that it may push to the repository.`,
      });
    }
    if (/Could not resolve host|Connection refused|Connection reset|Connection timed out|unable to access|unable to connect|early EOF|hung up unexpectedly|Broken pipe|RPC failed|Connection closed|timed out/i.test(stderr)) {
      return new HostUnreachableError(host, `${what} failed: ${said || 'the connection broke'}`, { cause });
    }
    if (/\[rejected\]|\[remote rejected\]|protected branch|pre-receive hook declined/i.test(stderr)) {
      return new HostError('HOST_PUSH_REJECTED', host, `the remote refused the push to ${ctx.branch}: ${said}`, {
        cause,
        hint: 'Allow force pushes to the pages branch (it is generated), or pick another branch.',
      });
    }
    return new HostError('HOST_GIT', host, `${what} failed: ${said || `git ${err.args[0]} exited with ${err.code}`}`, { cause });
  }
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT' && e.syscall?.startsWith('spawn')) {
    return new HostError('GIT_MISSING', host, 'the git command is not installed', { cause: err, hint: 'Install git (apt-get install git).' });
  }
  return new HostError('HOST_GIT_WORKDIR', host, `${what} failed in ${ctx.workTree}: ${redactSecrets(String(e?.message ?? err), ctx.secrets)}`, { cause: err });
}
