/**
 * A foreground server process started by a test, with the fault hooks the mirror conformance
 * suite needs. Used by the launchers beside this file (sshd.ts, lighttpd.ts, nginx-dav.ts, git.ts).
 *
 *   const proc = await startManaged({ command, args, port, logFile });
 *   await proc.stall();    // SIGSTOP the server and every process it forked (connections hang)
 *   await proc.resume();   // SIGCONT them
 *   await proc.kill();     // SIGKILL them all (a server dying mid-push)
 *   await proc.restart();  // start the same command again on the same port
 *   await proc.stop();     // SIGTERM, then SIGKILL after 3 s; safe to call twice
 *
 * Servers fork per connection (sshd, git daemon) and their children may leave the process
 * group (sshd calls setsid), so the hooks walk /proc for every descendant of the PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import { waitForPort } from '../net.ts';

export interface ManagedOptions {
  command: string;
  args: string[];
  /** The port the server listens on; start() resolves once it accepts connections. */
  port: number;
  /** stdout and stderr of the server are appended here. */
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ManagedProcess {
  readonly port: number;
  /** PID of the running server (changes on restart). */
  readonly pid: number;
  stall(): Promise<void>;
  resume(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The fault hooks a test server exposes, bound to its process; stop() also removes its temp folder. */
export function faultHooks(proc: ManagedProcess, cleanup: () => Promise<void>) {
  return {
    stall: () => proc.stall(),
    resume: () => proc.resume(),
    kill: () => proc.kill(),
    restart: () => proc.restart(),
    async stop() {
      await proc.stop();
      await cleanup();
    },
  };
}

/** PIDs of every live descendant of `root` (children, grandchildren …), read from /proc. */
export function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may contain spaces and parentheses.
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(entry), Number(after[1]));
    } catch {
      // the process exited meanwhile
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    for (const [child, parent] of parentOf) {
      if (parent === pid) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/** The server's process group (the server was started as its leader) and every descendant. */
function signalTree(root: number, signal: NodeJS.Signals): void {
  for (const pid of [-root, root, ...descendants(root)]) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Servers still running: killed if the test process exits without stopping them (a crash, ^C). */
const running = new Set<() => void>();
process.once('exit', () => {
  for (const killNow of running) killNow();
});

export async function startManaged(options: ManagedOptions): Promise<ManagedProcess> {
  let child: ChildProcess;
  let startError: Error | undefined;

  async function launch(): Promise<void> {
    const log = openSync(options.logFile, 'a');
    startError = undefined;
    child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', log, log],
      detached: true,
    });
    closeSync(log);
    child.on('error', (err) => (startError = err));
    const died = exited(child).then(() => {
      throw new Error(`${options.command} exited (${child.exitCode ?? child.signalCode}) before listening; see ${options.logFile}`);
    });
    await Promise.race([waitForPort(options.port, 15_000), died]);
    died.catch(() => {});
    if (startError) throw startError;
  }

  async function terminate(signal: NodeJS.Signals): Promise<void> {
    const pid = child.pid;
    if (pid === undefined) return;
    // Collect the tree first: once the parent dies its children are re-parented out of reach.
    const tree = [pid, ...descendants(pid)];
    const send = (sig: NodeJS.Signals) => {
      // The process group too: it also holds children forked after the snapshot above.
      for (const p of [-pid, ...tree]) {
        try {
          process.kill(p, sig);
        } catch {
          // already gone
        }
      }
    };
    // The signal first, then SIGCONT for a stalled server: a stopped process that is continued
    // first could accept a waiting connection and fork a handler before the signal lands.
    send(signal);
    if (signal !== 'SIGKILL') send('SIGCONT');
    const timer = setTimeout(() => send('SIGKILL'), 3000);
    await exited(child);
    clearTimeout(timer);
    // Connection handlers that outlived their parent.
    send('SIGKILL');
  }

  const killNow = () => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    for (const pid of [child.pid, ...descendants(child.pid)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  };
  running.add(killNow);
  try {
    await launch();
  } catch (err) {
    killNow();
    running.delete(killNow);
    throw err;
  }
  return {
    port: options.port,
    get pid() {
      return child.pid ?? -1;
    },
    async stall() {
      signalTree(child.pid!, 'SIGSTOP');
    },
    async resume() {
      signalTree(child.pid!, 'SIGCONT');
    },
    async kill() {
      await terminate('SIGKILL');
    },
    async restart() {
      await terminate('SIGTERM');
      await launch();
    },
    async stop() {
      await terminate('SIGTERM');
      running.delete(killNow);
    },
  };
}
