/**
 * Per-publisher rules: what only one site does. Two places, both optional:
 *
 * - `<content>/ingest-rules/<host>.yaml`: rules for one publisher (the host, "www." ignored,
 *   and its subdomains);
 * - `ingest-rules.yaml` beside the content folder: a map from host (or "*" for every source)
 *   to rules, for operators who keep one file.
 *
 * Rules (every key optional; patterns are regular expressions, case-insensitive, Unicode):
 *   drop:     [pattern]   a line (HTML: a paragraph) matching one is dropped
 *   dropFrom: [pattern]   a matching line and everything after it are dropped
 *   caption:  [pattern]   a matching line is the photo caption
 *   keep:     [pattern]   a matching line is never dropped by a generic rule
 *   disable:  [rule name] generic rules (src/ingest/text/rules.ts) not to apply
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import * as z from 'zod';
import { AggregateInputError, InputError } from '../../errors.ts';
import { zodProblems } from '../../config/schema-problems.ts';
import { GENERIC_RULES } from './rules.ts';

export interface PublisherRules {
  drop: RegExp[];
  dropFrom: RegExp[];
  caption: RegExp[];
  keep: RegExp[];
  disable: Set<string>;
  /** Files the rules came from, for reports. */
  files: string[];
}

export const RULES_FOLDER = 'ingest-rules';
export const RULES_FILE = 'ingest-rules.yaml';

const patternList = z.array(z.string().min(1)).default([]);
const rulesSchema = z
  .object({
    drop: patternList,
    dropFrom: patternList,
    caption: patternList,
    keep: patternList,
    disable: z.array(z.string()).default([]),
  })
  .strict();
type RulesInput = z.infer<typeof rulesSchema>;

export function emptyRules(): PublisherRules {
  return { drop: [], dropFrom: [], caption: [], keep: [], disable: new Set(), files: [] };
}

/** All rule files that exist, parsed and checked; every problem in every file is reported at once. */
export class RuleBook {
  private constructor(private readonly entries: Array<{ host: string; rules: RulesInput; file: string }>) {}

  static async load(contentDir: string): Promise<RuleBook> {
    const entries: Array<{ host: string; rules: RulesInput; file: string }> = [];
    const problems: InputError[] = [];
    const folder = path.join(contentDir, RULES_FOLDER);
    let names: string[] = [];
    try {
      names = (await readdir(folder)).filter((n) => /\.ya?ml$/i.test(n)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new InputError('INGEST_RULES_UNREADABLE', `cannot read ${folder}: ${(err as Error).message}`, { file: folder, cause: err });
    }
    for (const name of names) {
      const file = path.join(folder, name);
      const parsed = await parseFile(file, problems);
      if (parsed === undefined) continue;
      const rules = check(parsed.doc, parsed.lineCounter, file, [], problems);
      if (rules) entries.push({ host: normaliseHost(name.replace(/\.ya?ml$/i, '')), rules, file });
    }
    const single = path.join(path.dirname(path.resolve(contentDir)), RULES_FILE);
    const parsed = await parseFile(single, problems);
    if (parsed) {
      const top = parsed.doc.toJS() as unknown;
      if (top !== null && (typeof top !== 'object' || Array.isArray(top))) {
        problems.push(new InputError('INGEST_RULES_INVALID', 'the file must map host names (or "*") to rules', { file: single, line: 1, hint: 'Write e.g. "example.org:" then "  drop: [\'^Advertisement$\']".' }));
      } else {
        for (const host of Object.keys(top ?? {})) {
          const rules = check(parsed.doc, parsed.lineCounter, single, [host], problems);
          if (rules) entries.push({ host: host === '*' ? '*' : normaliseHost(host), rules, file: single });
        }
      }
    }
    if (problems.length) throw new AggregateInputError(`the ingest rule files have ${problems.length} problem(s); nothing was ingested`, problems);
    return new RuleBook(entries);
  }

  /** The rules for a source URL's host (plus the "*" rules); empty when none apply. */
  forUrl(url: string | undefined): PublisherRules {
    let host: string | undefined;
    try {
      host = url ? normaliseHost(new URL(url).hostname) : undefined;
    } catch {
      host = undefined;
    }
    const out = emptyRules();
    for (const e of this.entries) {
      const applies = e.host === '*' || (host !== undefined && (host === e.host || host.endsWith(`.${e.host}`)));
      if (!applies) continue;
      out.drop.push(...e.rules.drop.map(toRegExp));
      out.dropFrom.push(...e.rules.dropFrom.map(toRegExp));
      out.caption.push(...e.rules.caption.map(toRegExp));
      out.keep.push(...e.rules.keep.map(toRegExp));
      for (const d of e.rules.disable) out.disable.add(d);
      if (!out.files.includes(e.file)) out.files.push(e.file);
    }
    return out;
  }
}

function normaliseHost(host: string): string {
  return host.toLowerCase().replace(/^www\./, '').replace(/\.$/, '');
}

function toRegExp(source: string): RegExp {
  return new RegExp(source, 'iu');
}

async function parseFile(file: string, problems: InputError[]): Promise<{ doc: Document; lineCounter: LineCounter } | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    problems.push(new InputError('INGEST_RULES_UNREADABLE', `cannot read the rule file: ${(err as Error).message}`, { file, cause: err }));
    return undefined;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length) {
    for (const e of doc.errors) {
      problems.push(new InputError('INGEST_RULES_SYNTAX', `not valid YAML: ${e.message.split('\n')[0]}`, { file, line: e.linePos?.[0]?.line, hint: 'Quote patterns in single quotes: \'^Read more$\'.' }));
    }
    return undefined;
  }
  return { doc, lineCounter };
}

function check(doc: Document, lineCounter: LineCounter, file: string, prefix: string[], problems: InputError[]): RulesInput | undefined {
  const raw = prefix.length ? doc.getIn(prefix) : doc.toJS();
  const value = raw && typeof raw === 'object' && 'toJSON' in raw ? (raw as { toJSON(): unknown }).toJSON() : raw;
  const lineOf = (p: PropertyKey[]) => {
    const node = doc.getIn([...prefix, ...p] as (string | number)[], true) as { range?: [number, number] } | undefined;
    return node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  };
  const result = rulesSchema.safeParse(value ?? {});
  if (!result.success) {
    for (const p of zodProblems(file, result.error, lineOf)) {
      problems.push(new InputError('INGEST_RULES_INVALID', prefix.length ? `${prefix.join('.')}.${p.message}` : p.message, { file, ...(p.line ? { line: p.line } : {}), hint: 'Allowed keys: drop, dropFrom, caption, keep (lists of patterns) and disable (generic rule names).' }));
    }
    return undefined;
  }
  const known = new Set(GENERIC_RULES.map((r) => r.name));
  let ok = true;
  for (const [i, name] of result.data.disable.entries()) {
    if (!known.has(name)) {
      ok = false;
      problems.push(new InputError('INGEST_RULES_INVALID', `disable: there is no generic rule named "${name}"`, { file, ...(lineOf(['disable', i]) ? { line: lineOf(['disable', i])! } : {}), hint: `Known rules: ${[...known].join(', ')}.` }));
    }
  }
  for (const key of ['drop', 'dropFrom', 'caption', 'keep'] as const) {
    for (const [i, source] of result.data[key].entries()) {
      try {
        toRegExp(source);
      } catch (err) {
        ok = false;
        problems.push(new InputError('INGEST_RULES_INVALID', `${[...prefix, key].join('.')}: "${source}" is not a valid regular expression: ${(err as Error).message}`, { file, ...(lineOf([key, i]) ? { line: lineOf([key, i])! } : {}), hint: 'Escape special characters such as ( ) ? . with a backslash.' }));
      }
    }
  }
  return ok ? result.data : undefined;
}
