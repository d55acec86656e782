import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import * as z from 'zod';
import { AggregateInputError, InputError } from '../errors.ts';
import { zodProblems } from '../config/schema-problems.ts';
import { hostTypeNames, hostTypes } from './registry.ts';
import { isMirrorFile, MIRROR_FILE } from './files.ts';

/** Fields every mirror file has; each type adds its own (src/mirrors/registry.ts). */
export const commonMirrorSchema = z.object({
  /** Lets editors find the JSON Schema (mirrors/mirror.schema.json); ignored otherwise. */
  $schema: z.string().optional().describe('Path or URL of mirror.schema.json, for editors.'),
  type: z.string().min(1).describe('Kind of host; see the README section "Mirror files".'),
  /** What readers open: goes on the mirrors page and into mirrors.json. */
  url: z.url().optional().describe('Public address readers open; listed on the mirrors page.'),
  enabled: z.boolean().default(true).describe('false keeps the file but skips the mirror everywhere.'),
  /** Files in flight at once on this host. */
  concurrency: z.number().int().min(1).max(64).default(4).describe('Files in flight at once on this host.'),
  /** Milliseconds one operation may stay without progress before it counts as failed (and is retried). */
  timeoutMs: z.number().int().min(100).default(30_000).describe('Milliseconds an operation may go without progress before it fails.'),
});

export type MirrorConfig = Omit<z.output<typeof commonMirrorSchema>, '$schema'> & {
  /** The file name without extension. */
  name: string;
  /** The mirror file it came from (for error messages). */
  file: string;
  [key: string]: unknown;
};

/** The full schema of one type's mirror file: common fields + the type's own, unknown keys refused. */
export function mirrorSchemaFor(type: string): z.ZodObject {
  const entry = hostTypes[type];
  if (!entry) throw new Error(`no mirror type ${type}`);
  return commonMirrorSchema.extend({ ...entry.schema.shape, type: z.literal(type) }).strict();
}

/** Mirror names go into messages, reports and `--only`: keep them plain. */
const MIRROR_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Reads every `mirrors/<name>.json|yaml|yml` (not sub-folders, not `*.schema.json`). A missing
 * folder means no mirrors. Each file is checked against the common fields and its type's fields;
 * every problem in every file is reported at once as `file:line: path: message`.
 */
export async function loadMirrorConfigs(dir: string): Promise<MirrorConfig[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile() && isMirrorFile(d.name)).map((d) => d.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new InputError('MIRRORS_UNREADABLE', `cannot read the mirrors folder ${dir}: ${(err as Error).message}`, { file: dir, cause: err });
  }
  const configs: MirrorConfig[] = [];
  const problems: InputError[] = [];
  const seen = new Map<string, string>();
  for (const fileName of names) {
    const file = path.join(dir, fileName);
    const name = fileName.replace(MIRROR_FILE, '');
    if (!MIRROR_NAME.test(name)) {
      problems.push(new InputError('MIRROR_BAD_NAME', `the file name gives the mirror name ${JSON.stringify(name)}: use letters, digits, ".", "-" and "_"`, { file, hint: 'Rename the file.' }));
      continue;
    }
    if (seen.has(name)) {
      problems.push(new InputError('MIRROR_DUPLICATE', `mirror ${name} is also defined by ${seen.get(name)}`, { file, hint: 'Keep one file per mirror.' }));
      continue;
    }
    seen.set(name, file);
    const parsed = parseMirrorFile(await readFile(file, 'utf8'), file, name);
    if ('problems' in parsed) problems.push(...parsed.problems);
    else configs.push(parsed.config);
  }
  if (problems.length) {
    throw new AggregateInputError(`the mirror files in ${dir} have ${problems.length} problem(s)`, problems, {
      hint: 'Fix every problem listed; the JSON Schema mirrors/mirror.schema.json lets editors check the files as you type.',
    });
  }
  return configs;
}

/** Validates the text of one mirror file; `name` is the mirror name (its file name). */
export function parseMirrorFile(text: string, file: string, name: string): { config: MirrorConfig } | { problems: InputError[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length) {
    return {
      problems: doc.errors.map(
        (e) =>
          new InputError('CONFIG_SYNTAX', `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, {
            file,
            line: e.linePos?.[0]?.line,
            hint: 'Fix the syntax at that line.',
          }),
      ),
    };
  }
  const data: unknown = doc.toJS() ?? {};
  const lineOf = (p: PropertyKey[]) => lineOfPath(doc, lineCounter, p);
  const type = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>).type : undefined;
  if (typeof type !== 'string' || !Object.hasOwn(hostTypes, type)) {
    // Still check the common fields, so one run shows every problem.
    const problems: InputError[] = [];
    const common = commonMirrorSchema.omit({ type: true }).loose().safeParse(data);
    const message =
      type === undefined
        ? `type: required; one of ${hostTypeNames().join(', ')}`
        : `type: unknown mirror type ${JSON.stringify(type)}; known types: ${hostTypeNames().join(', ')}`;
    problems.push(new InputError('MIRROR_UNKNOWN_TYPE', message, { file, line: lineOf(['type']), hint: 'Set "type" to one of the known types.' }));
    if (!common.success) problems.push(...zodProblems(file, common.error, lineOf));
    return { problems };
  }
  const result = mirrorSchemaFor(type).safeParse(data);
  if (!result.success) return { problems: schemaProblems(file, type, result.error, lineOf) };
  const { $schema: _ignored, ...fields } = result.data as Record<string, unknown>;
  return { config: { ...fields, name, file } as MirrorConfig };
}

/**
 * zodProblems for one mirror file, except that each unknown key is its own problem pointing at
 * its own line (zod reports them together, at the enclosing object). Keys only: values may be secrets.
 */
function schemaProblems(file: string, type: string, error: z.ZodError, lineOf: (p: PropertyKey[]) => number | undefined): InputError[] {
  const problems: InputError[] = [];
  const known = new z.ZodError(error.issues.filter((issue) => issue.code !== 'unrecognized_keys'));
  for (const issue of error.issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    for (const key of issue.keys) {
      const at = [...issue.path, key];
      problems.push(
        new InputError('CONFIG_UNKNOWN_KEY', `${at.map(String).join('.')}: unknown field for a ${type} mirror`, {
          file,
          line: lineOf(at),
          hint: /secret|password|token|key$/i.test(key)
            ? 'Secrets never go in mirror files: use the field ending in "Env" to name an environment variable that holds it.'
            : 'Check the spelling against mirrors/mirror.schema.json, or remove the field.',
        }),
      );
    }
  }
  return [...zodProblems(file, known, lineOf), ...problems];
}

function lineOfPath(doc: Document, lineCounter: LineCounter, p: PropertyKey[]): number | undefined {
  // The deepest node that exists: an unknown key points at its parent object.
  for (let n = p.length; n >= 0; n--) {
    const node = (n === 0 ? doc.contents : doc.getIn(p.slice(0, n) as (string | number)[], true)) as { range?: [number, number] } | null | undefined;
    if (node?.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}
