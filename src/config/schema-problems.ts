import type * as z from 'zod';
import { InputError } from '../errors.ts';

/** Turns every zod issue into one InputError "file: path: message", so all are reported at once. */
export function zodProblems(file: string, error: z.ZodError, line?: (path: PropertyKey[]) => number | undefined): InputError[] {
  return error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    return new InputError('CONFIG_INVALID', `${path}: ${issue.message}`, {
      file,
      line: line?.(issue.path),
      hint: 'Fix the value named above; every problem in the file is listed.',
    });
  });
}
