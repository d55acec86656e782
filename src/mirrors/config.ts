import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { AggregateInputError, InputError } from '../errors.ts';
import { zodProblems } from '../config/schema-problems.ts';

/**
 * Fields every mirror file has. Per-type fields are added by each host type's schema
 * (src/mirrors/hosts/<type>.ts); until a type registers one, extra fields pass through.
 */
export const commonMirrorSchema = z.object({
  type: z.string().min(1),
  /** What readers open: goes on the mirrors page and into mirrors.json. */
  url: z.string().url().optional(),
  enabled: z.boolean().default(true),
  /** Files in flight at once on this host. */
  concurrency: z.number().int().min(1).max(64).default(4),
  /** Milliseconds one operation may take before it counts as failed (and is retried). */
  timeoutMs: z.number().int().min(100).default(30_000),
});

export type MirrorConfig = z.infer<typeof commonMirrorSchema> & { name: string; file: string; [key: string]: unknown };

const MIRROR_FILE = /\.(json|ya?ml)$/;

/**
 * Reads every `mirrors/<name>.json|yaml`. A missing folder means no mirrors. Every problem
 * in every file is reported at once as `file: path: message`.
 */
export async function loadMirrorConfigs(dir: string): Promise<MirrorConfig[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => MIRROR_FILE.test(n)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const configs: MirrorConfig[] = [];
  const problems: InputError[] = [];
  for (const fileName of names) {
    const file = path.join(dir, fileName);
    const doc = parseDocument(await readFile(file, 'utf8'));
    if (doc.errors.length) {
      problems.push(new InputError('CONFIG_SYNTAX', doc.errors[0]!.message.split('\n')[0]!, { file, line: doc.errors[0]!.linePos?.[0]?.line }));
      continue;
    }
    const result = commonMirrorSchema.passthrough().safeParse(doc.toJS());
    if (!result.success) {
      problems.push(...zodProblems(file, result.error));
      continue;
    }
    configs.push({ ...result.data, name: fileName.replace(MIRROR_FILE, ''), file });
  }
  if (problems.length) throw new AggregateInputError(`the mirror files in ${dir} have ${problems.length} problem(s)`, problems);
  return configs;
}
