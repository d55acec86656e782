import { spawn } from 'node:child_process';

export interface GitRunOptions {
  env: NodeJS.ProcessEnv;
  /** Working directory (the work tree: pathspecs are relative to it). */
  cwd?: string;
  /** Ends the command (SIGKILL to its whole process group: git, ssh, git-remote-http). */
  signal: AbortSignal;
  /** Called on every chunk of output, so an idle-timeout watchdog sees progress. */
  touch?: () => void;
  /** Written to stdin, then stdin is closed. */
  input?: string | Buffer;
  /** Exit codes that are not failures (e.g. 1 for `git diff --quiet`). */
  okCodes?: number[];
}

export interface GitRunResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** A git command that exited with a code not in okCodes; stderr is raw: redact before showing. */
export class GitCommandError extends Error {
  constructor(
    readonly args: string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args[0]} exited with ${code ?? 'a signal'}`);
    this.name = 'GitCommandError';
  }
}

/**
 * Runs the git CLI with exactly the environment given (no inherited variables: no GIT_TRACE,
 * no user credential helpers). Rejects with GitCommandError on failure, or with the signal's
 * reason once the signal fires (the process group is killed first).
 */
export function runGit(args: string[], options: GitRunOptions): Promise<GitRunResult> {
  return new Promise((resolve, reject) => {
    if (options.signal.aborted) return reject(options.signal.reason);
    const child = spawn('git', args, { env: options.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let settled = false;
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const onAbort = () => {
      killGroup();
      if (!settled) {
        settled = true;
        reject(options.signal.reason);
      }
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      options.touch?.();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      options.touch?.();
    });
    child.stdin.on('error', () => {}); // git may exit before reading its input
    child.stdin.end(options.input ?? '');
    child.on('error', (err) => {
      options.signal.removeEventListener('abort', onAbort);
      if (!settled) {
        settled = true;
        reject(err);
      }
    });
    // Finish when git has exited and its stdout is drained. Not on 'close': a helper that git
    // forked and that outlives it (an ssh ControlPersist master) can keep stderr open for long.
    let exitCode: number | null | undefined;
    let stdoutEnded = false;
    const finish = () => {
      if (exitCode === undefined || !stdoutEnded) return;
      options.signal.removeEventListener('abort', onAbort);
      child.stderr.destroy();
      if (settled) return;
      settled = true;
      const result = { code: exitCode ?? -1, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString('utf8') };
      if (exitCode === 0 || (exitCode !== null && options.okCodes?.includes(exitCode))) resolve(result);
      else reject(new GitCommandError(args, exitCode, result.stderr));
    };
    child.stdout.on('end', () => {
      stdoutEnded = true;
      finish();
    });
    child.on('exit', (code) => {
      exitCode = code;
      // Let stderr written just before exit arrive.
      setTimeout(finish, 20);
    });
  });
}
