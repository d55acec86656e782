/**
 * The one error module. Every error samizdat raises on purpose is a SamizdatError with a
 * permanent code, a message that says what happened, and a hint that says what to do.
 * Wrap lower-level errors with `{ cause }`: never drop the original.
 */
export interface SamizdatErrorOptions {
  /** What the user can do about it. */
  hint?: string;
  /** The file the problem is in, when there is one. */
  file?: string;
  /** 1-based line in `file`, when known. */
  line?: number;
  /** True when trying again may succeed (network blips, timeouts, 5xx). */
  retryable?: boolean;
  cause?: unknown;
}

export class SamizdatError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: SamizdatErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SamizdatError';
    this.code = code;
    this.hint = options.hint;
    this.file = options.file;
    this.line = options.line;
    this.retryable = options.retryable ?? false;
  }

  /** "file:line: message" — the form editors and terminals make clickable. */
  get location(): string | undefined {
    if (this.file === undefined) return undefined;
    return this.line === undefined ? this.file : `${this.file}:${this.line}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.file ? { file: this.file } : {}),
      ...(this.line ? { line: this.line } : {}),
      retryable: this.retryable,
    };
  }
}

/** Input the user gave (content, config, flags) is wrong. Never retryable. */
export class InputError extends SamizdatError {
  constructor(code: string, message: string, options: Omit<SamizdatErrorOptions, 'retryable'> = {}) {
    super(code, message, { ...options, retryable: false });
    this.name = 'InputError';
  }
}

/** Several problems found at once (config validation, content validation). */
export class AggregateInputError extends SamizdatError {
  readonly problems: SamizdatError[];
  constructor(message: string, problems: SamizdatError[], options: SamizdatErrorOptions = {}) {
    super('INPUT_PROBLEMS', message, options);
    this.name = 'AggregateInputError';
    this.problems = problems;
  }
}

/** The operation was cancelled through its AbortSignal. */
export class AbortedError extends SamizdatError {
  constructor(what = 'operation', options: SamizdatErrorOptions = {}) {
    super('ABORTED', `The ${what} was cancelled.`, { ...options, retryable: false });
    this.name = 'AbortedError';
  }
}

/** Throws AbortedError when the signal has fired. Call at the start of every operation. */
export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw new AbortedError(what, { cause: signal.reason });
}

/** A message for any thrown value, never a stack trace. */
export function describeError(err: unknown): string {
  if (err instanceof SamizdatError) {
    const where = err.location ? `${err.location}: ` : '';
    return `${where}${err.message}${err.hint ? `\n  → ${err.hint}` : ''}`;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
