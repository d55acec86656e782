import { inspect } from 'node:util';
import { expect } from 'vitest';
import { describeError } from '../../src/errors.ts';

/**
 * Asserts that no trace of `secret` is in anything an error could show: its message, hint,
 * JSON form, describeError() text, and the full inspect() output with every nested cause.
 */
export function expectNoSecret(err: unknown, secret: string): void {
  expect(err, 'an error was thrown').toBeInstanceOf(Error);
  const pieces = [secret, ...secret.split(/\r?\n/).map((l) => l.trim())].filter((p) => p.length >= 8);
  const views = [
    describeError(err),
    inspect(err, { depth: 20, showHidden: false }),
    JSON.stringify((err as { toJSON?: () => unknown }).toJSON?.() ?? {}),
    String(err),
  ];
  for (let cause: unknown = err; cause instanceof Error; cause = cause.cause) views.push(cause.message, String((cause as { hint?: string }).hint));
  for (const view of views) for (const piece of pieces) expect(view.includes(piece), `secret text found in: ${view.slice(0, 300)}`).toBe(false);
}
