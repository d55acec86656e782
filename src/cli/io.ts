import { describeError, AggregateInputError, SamizdatError } from '../errors.ts';

/** Where the CLI writes. Only the CLI prints; tests pass their own streams. */
export interface CliIO {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Set by commands; main() returns it. */
  exitCode: number;
}

/** Thrown by a command to end with a given exit code after it has printed its own report. */
export class ExitError extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = 'ExitError';
  }
}

export function printJson(io: CliIO, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Prints an error for a person: what happened, where, what to do. Never a stack trace. */
export function printError(io: CliIO, err: unknown): void {
  if (err instanceof AggregateInputError) {
    io.stderr.write(`error: ${err.message}\n`);
    for (const p of err.problems) io.stderr.write(`  ${describeError(p).replace(/\n/g, '\n  ')}\n`);
    if (err.hint) io.stderr.write(`  → ${err.hint}\n`);
    return;
  }
  io.stderr.write(`error: ${describeError(err)}\n`);
  if (!(err instanceof SamizdatError) && io.env.SAMIZDAT_DEBUG && err instanceof Error && err.stack) {
    io.stderr.write(err.stack + '\n');
  }
}

/** A JSON-safe description of an error, for --json output. */
export function errorJson(err: unknown): Record<string, unknown> {
  if (err instanceof AggregateInputError) return { ...err.toJSON(), problems: err.problems.map((p) => p.toJSON()) };
  if (err instanceof SamizdatError) return err.toJSON();
  return { code: 'UNEXPECTED', message: err instanceof Error ? err.message : String(err) };
}
