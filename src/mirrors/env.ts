import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'dotenv';
import * as z from 'zod';
import { InputError } from '../errors.ts';

/** The environment a host reads its secrets from. Values are secrets: never print them. */
export type MirrorEnv = Readonly<Record<string, string | undefined>>;

/**
 * The process environment plus, when present, `<rootDir>/.env` (git-ignored). Variables already
 * set in the environment win over the file. process.env itself is left untouched.
 */
export async function loadMirrorEnv(rootDir: string, base: MirrorEnv = process.env): Promise<MirrorEnv> {
  const file = path.join(rootDir, '.env');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...base };
    throw new InputError('ENV_FILE_UNREADABLE', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { file, cause: err });
  }
  return { ...parse(text), ...base };
}

/**
 * The value of the environment variable a mirror file names for a secret. Throws an InputError
 * naming the mirror, the field and the variable (never a value) when it is unset or empty.
 */
export function secretFromEnv(env: MirrorEnv, mirror: string, field: string, variable: string, file?: string): string {
  const value = env[variable];
  if (value === undefined || value === '') {
    throw new InputError('MIRROR_SECRET_MISSING', `mirror ${mirror}: the environment variable ${variable} (named by ${field}) is not set`, {
      file,
      hint: `Set ${variable} in the environment, or put it in the git-ignored .env file at the project root.`,
    });
  }
  return value;
}

/**
 * A field that names an environment variable (`secretAccessKeyEnv: EU_S3_SECRET`). Capital
 * letters, digits and "_", so a pasted secret is refused; the messages never repeat the value.
 */
export const envVarNameSchema = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, 'the NAME of an environment variable (capital letters, digits, "_"), such as EU_S3_SECRET, never the secret itself')
  .refine((name) => !/^(AKIA|ASIA|AIDA|AROA)[A-Z0-9]{12,}$/.test(name), 'this looks like an access key itself; give the NAME of the environment variable that holds it')
  .describe('Name of the environment variable (or .env entry) that holds the value.');
