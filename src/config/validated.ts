/**
 * Settings and mirror files validated once per version of their bytes. Validating them needs the
 * schema library (zod), the YAML reader and every mirror type's module, whose loading is some tens
 * of milliseconds of each build's start; a rebuild whose files did not change takes what the last
 * validation gave from a small file under .samizdat/build/ and loads none of them. The key is the
 * files' names and bytes and the validating code (its sources and the libraries' versions), so
 * any change to either validates again; a problem is never kept, so it is reported every time.
 * Only what validation gives is kept: plain data, the same whichever way it was obtained.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageVersion, sourceFile } from '../paths.ts';
import { SITE_FILES } from './site-files.ts';
import type { SiteSettings } from './site.ts';
import { isMirrorFile } from '../mirrors/files.ts';

/** What the build takes from each mirror file. */
export interface MirrorEntry {
  name: string;
  url?: string;
  enabled: boolean;
}

const CACHE_FILE = 'validated-config.json';
const FORMAT = 'samizdat-validated-config/1';

/** Hash of the sources under src/<dir> (all of them, recursively) and the versions of the libraries validation uses. */
function codeVersion(dirs: string[], files: string[]): string {
  const hash = createHash('sha256').update(FORMAT);
  for (const pkg of ['zod', 'yaml']) hash.update(`${pkg}@${packageVersion(pkg) ?? 'unknown'}\0`);
  const all = files.map((f) => sourceFile(...f.split('/')));
  for (const dir of dirs) {
    const root = sourceFile(...dir.split('/'));
    for (const e of readdirSync(root, { recursive: true, withFileTypes: true })) if (e.isFile() && e.name.endsWith('.ts')) all.push(path.join(e.parentPath, e.name));
  }
  for (const file of all.sort()) hash.update(`${path.relative(sourceFile(), file)}\0`).update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

type Kept = Record<string, { key: string; value: unknown }>;

function readKept(cacheDir: string | undefined): Kept {
  if (!cacheDir) return {};
  try {
    const data = JSON.parse(readFileSync(path.join(cacheDir, CACHE_FILE), 'utf8')) as { format?: unknown; kept?: unknown };
    return data.format === FORMAT && data.kept && typeof data.kept === 'object' ? (data.kept as Kept) : {};
  } catch {
    return {};
  }
}

function keep(cacheDir: string | undefined, name: string, key: string, value: unknown): void {
  if (!cacheDir) return;
  const file = path.join(cacheDir, CACHE_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(tmp, JSON.stringify({ format: FORMAT, kept: { ...readKept(cacheDir), [name]: { key, value } } }));
    renameSync(tmp, file);
  } catch {
    // Only costs a validation on the next build.
    rmSync(tmp, { force: true });
  }
}

function keyOf(code: string, files: Array<{ name: string; bytes: Buffer }>): string {
  const hash = createHash('sha256').update(code);
  for (const f of files) hash.update(`\0${f.name}\0${f.bytes.length}\0`).update(f.bytes);
  return hash.digest('hex');
}

/**
 * The site settings (config/site.ts, loadSiteSettings), validated only when the settings file or
 * the code changed since the last build that kept them in cacheDir.
 */
export async function loadSiteSettingsValidated(contentDir: string, cacheDir: string | undefined): Promise<{ settings: SiteSettings; file?: string }> {
  let found: { file: string; bytes: Buffer } | undefined;
  for (const name of SITE_FILES) {
    const file = path.join(contentDir, name);
    try {
      found = { file, bytes: readFileSync(file) };
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      // Not readable: reported as loadSiteSettings reports it.
      return (await import('./site.ts')).loadSiteSettings(contentDir);
    }
  }
  const key = keyOf(codeVersion([], ['config/site.ts', 'config/schema-problems.ts', 'config/site-files.ts']), found ? [{ name: path.basename(found.file), bytes: found.bytes }] : []);
  const kept = readKept(cacheDir).site;
  const withFile = (settings: SiteSettings) => ({ settings, ...(found ? { file: found.file } : {}) });
  if (kept?.key === key && kept.value && typeof kept.value === 'object') return withFile(kept.value as SiteSettings);
  const site = await import('./site.ts');
  // The bytes read above, so that what is kept is what their key says.
  const settings = found ? site.parseSiteSettings(found.bytes.toString('utf8'), found.file) : site.siteSettingsSchema.parse({});
  keep(cacheDir, 'site', key, settings);
  return withFile(settings);
}

/**
 * Name, URL and state of every mirror file in `dir` (mirrors/config.ts, loadMirrorConfigs, which
 * reports every problem), validated only when a file or the code changed since the last build
 * that kept them in cacheDir. A missing folder has no mirrors.
 */
export async function loadMirrorEntriesValidated(dir: string, cacheDir: string | undefined): Promise<MirrorEntry[]> {
  const validate = async () => (await import('../mirrors/config.ts')).loadMirrorConfigs(dir);
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isFile() && isMirrorFile(d.name)).map((d) => d.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    names = [];
    await validate(); // reports the folder it cannot read
  }
  if (!names.length) return [];
  const read = () => names.map((name) => ({ name, bytes: readFileSync(path.join(dir, name)) }));
  const code = codeVersion(['mirrors', 'ipfs/remote'], ['config/schema-problems.ts']);
  let key: string | undefined;
  try {
    key = keyOf(code, read());
  } catch {
    // A file went away or cannot be read: loadMirrorConfigs says which.
  }
  const kept = readKept(cacheDir).mirrors;
  if (key && kept?.key === key && Array.isArray(kept.value)) return kept.value as MirrorEntry[];
  const entries: MirrorEntry[] = (await validate()).map((c) => ({ name: c.name, enabled: c.enabled, ...(typeof c.url === 'string' ? { url: c.url } : {}) }));
  // Kept only if the files still hold the bytes the key was made from.
  try {
    if (key && keyOf(code, read()) === key) keep(cacheDir, 'mirrors', key, entries);
  } catch {
    // changed meanwhile: validated again next time
  }
  return entries;
}
