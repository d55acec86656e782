import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { AggregateInputError, describeError, InputError } from '../../src/errors.ts';
import { loadMirrorConfigs, type MirrorConfig } from '../../src/mirrors/config.ts';
import { loadMirrorEnv } from '../../src/mirrors/env.ts';
import { FolderHost } from '../../src/mirrors/hosts/folder.ts';
import { createMirrorHost, getHostType, hostTypeNames, hostTypes } from '../../src/mirrors/registry.ts';
import { MIRROR_SCHEMA_PATH, mirrorJsonSchema, mirrorJsonSchemaText } from '../../src/mirrors/schema/index.ts';
import { tempDir } from '../support/net.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let tmp: { dir: string; cleanup: () => Promise<void> };
let mirrors: string;
beforeEach(async () => {
  tmp = await tempDir('samizdat-mirror-config-');
  mirrors = path.join(tmp.dir, 'mirrors');
  await mkdir(mirrors);
});
afterEach(async () => tmp.cleanup());

const write = (name: string, text: string) => writeFile(path.join(mirrors, name), text);

/** Loads and returns the AggregateInputError the folder must produce. */
async function problemsOf(dir = mirrors): Promise<{ error: AggregateInputError; lines: string[] }> {
  const error = await loadMirrorConfigs(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AggregateInputError);
  const agg = error as AggregateInputError;
  return { error: agg, lines: agg.problems.map((p) => `${p.location}: ${p.message}`) };
}

describe('loadMirrorConfigs', () => {
  it('reads YAML and JSON, names mirrors after their files, fills defaults, skips non-mirror files', async () => {
    await write('eu-s3.yaml', '$schema: ./mirror.schema.json\ntype: s3\nurl: https://eu.example.org/\nbucket: news\naccessKeyIdEnv: EU_KEY\nsecretAccessKeyEnv: EU_SECRET\n');
    await write('local.json', JSON.stringify({ type: 'folder', path: 'out/mirror', enabled: false }));
    await write('mirror.schema.json', '{"not": "a mirror"}');
    await write('README.md', '# not a mirror');
    await mkdir(path.join(mirrors, 'examples'));
    await writeFile(path.join(mirrors, 'examples', 'broken.yaml'), 'type: [');
    const configs = await loadMirrorConfigs(mirrors);
    expect(configs.map((c) => c.name)).toEqual(['eu-s3', 'local']);
    const [s3, local] = configs as [MirrorConfig, MirrorConfig];
    expect(s3).toMatchObject({ name: 'eu-s3', type: 's3', url: 'https://eu.example.org/', enabled: true, concurrency: 4, timeoutMs: 30_000, region: 'us-east-1', prefix: '', forcePathStyle: false, partSizeMiB: 8 });
    expect(s3.file).toBe(path.join(mirrors, 'eu-s3.yaml'));
    expect(s3).not.toHaveProperty('$schema');
    expect(local).toMatchObject({ type: 'folder', enabled: false, path: 'out/mirror', hashOnList: true });
  });

  it('a missing mirrors folder means no mirrors', async () => {
    expect(await loadMirrorConfigs(path.join(tmp.dir, 'nope'))).toEqual([]);
  });

  it('reports every problem in every file at once, as file:line: path: message', async () => {
    await write('a.yaml', 'type: folder\nconcurrency: 0\ntimeoutMs: soon\n');
    await write('b.json', '{\n  "type": "s3",\n  "bucket": "x",\n  "url": "not a url"\n}\n');
    await write('ok.yaml', 'type: folder\npath: /srv/www\n');
    const { error, lines } = await problemsOf();
    expect(error.message).toContain(`${error.problems.length} problem(s)`);
    const a = path.join(mirrors, 'a.yaml');
    const b = path.join(mirrors, 'b.json');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${escape(a)}:2: concurrency: `)),
        expect.stringMatching(new RegExp(`^${escape(a)}:3: timeoutMs: `)),
        expect.stringMatching(new RegExp(`^${escape(a)}:1: path: `)),
        expect.stringMatching(new RegExp(`^${escape(b)}:3: bucket: `)),
        expect.stringMatching(new RegExp(`^${escape(b)}:4: url: `)),
        expect.stringMatching(new RegExp(`^${escape(b)}:\\d+: accessKeyIdEnv: `)),
        expect.stringMatching(new RegExp(`^${escape(b)}:\\d+: secretAccessKeyEnv: `)),
      ]),
    );
    expect(lines).toHaveLength(7);
    for (const p of error.problems) expect(p).toBeInstanceOf(InputError);
  });

  it('an unknown type names the known ones, and the common fields are still checked', async () => {
    await write('odd.yaml', 'type: ftp\nenabled: "yes"\n');
    await write('untyped.json', '{"enabled": true}');
    const { lines } = await problemsOf();
    const odd = path.join(mirrors, 'odd.yaml');
    expect(lines).toContain(`${odd}:1: type: unknown mirror type "ftp"; known types: ${hostTypeNames().join(', ')}`);
    expect(lines.some((l) => l.startsWith(`${odd}:2: enabled: `))).toBe(true);
    expect(lines.some((l) => l.startsWith(`${path.join(mirrors, 'untyped.json')}:1: type: required; one of folder, s3`))).toBe(true);
    expect(() => getHostType('ftp')).toThrow(/unknown mirror type "ftp"; known types: folder, s3/);
  });

  it('refuses unknown keys (a typo or a secret written inline) without repeating their values', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY';
    await write('inline.yaml', `type: s3\nbucket: news\naccessKeyIdEnv: KEY\nsecretAccessKeyEnv: SECRET\nsecretAccessKey: ${secret}\nforcePathstyle: true\n`);
    const { error, lines } = await problemsOf();
    const file = path.join(mirrors, 'inline.yaml');
    expect(lines).toEqual([`${file}:5: secretAccessKey: unknown field for a s3 mirror`, `${file}:6: forcePathstyle: unknown field for a s3 mirror`]);
    expect(error.problems[0]!.hint).toMatch(/Secrets never go in mirror files/);
    expect(JSON.stringify(error)).not.toContain(secret);
    expect(describeError(error) + lines.join('\n')).not.toContain(secret);
  });

  it('an Env field holding the secret itself is refused without repeating it', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY';
    const keyId = 'AKIAIOSFODNN7EXAMPLE';
    await write('pasted.yaml', `type: s3\nbucket: news\naccessKeyIdEnv: ${keyId}\nsecretAccessKeyEnv: "${secret}"\n`);
    const { error, lines } = await problemsOf();
    expect(lines).toHaveLength(2);
    expect(lines.find((l) => l.includes('secretAccessKeyEnv'))).toMatch(/the NAME of an environment variable/);
    expect(lines.find((l) => l.includes('accessKeyIdEnv'))).toMatch(/looks like an access key itself/);
    const everything = lines.join('\n') + JSON.stringify(error) + JSON.stringify(error.problems);
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(keyId);
  });

  it('reports YAML and JSON syntax errors with their line', async () => {
    await write('bad.yaml', 'type: folder\npath: [unclosed\n');
    await write('bad2.json', '{"type": "folder",,}');
    const { lines } = await problemsOf();
    expect(lines.some((l) => l.startsWith(`${path.join(mirrors, 'bad.yaml')}:`) && l.includes('not valid YAML'))).toBe(true);
    expect(lines.some((l) => l.startsWith(`${path.join(mirrors, 'bad2.json')}:1: not valid JSON`))).toBe(true);
  });

  it('one file per mirror name, and names that work on a command line', async () => {
    await write('eu.yaml', 'type: folder\npath: a\n');
    await write('eu.json', '{"type": "folder", "path": "b"}');
    await write('my mirror.yaml', 'type: folder\npath: c\n');
    const { lines } = await problemsOf();
    expect(lines.some((l) => l.includes('mirror eu is also defined by'))).toBe(true);
    expect(lines.some((l) => l.includes('the file name gives the mirror name "my mirror"'))).toBe(true);
  });
});

describe('createMirrorHost and secrets', () => {
  const s3Config = (): MirrorConfig => ({
    name: 'eu-s3', file: '/project/mirrors/eu-s3.yaml', type: 's3', enabled: true, concurrency: 4, timeoutMs: 30_000,
    bucket: 'news', region: 'us-east-1', prefix: '', forcePathStyle: false, partSizeMiB: 8, queueSize: 4,
    accessKeyIdEnv: 'EU_KEY', secretAccessKeyEnv: 'EU_SECRET',
  });

  it('names the missing variable, the field and the mirror; never any value', () => {
    const present = 'AKIAPRESENTVALUE0001';
    const err = (() => {
      try {
        createMirrorHost(s3Config(), { env: { EU_KEY: present, EU_SECRET: '' } });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe('mirror eu-s3: the environment variable EU_SECRET (named by secretAccessKeyEnv) is not set');
    expect((err as InputError).hint).toMatch(/\.env/);
    expect(JSON.stringify(err)).not.toContain(present);
  });

  it('builds a host when the variables are set, without any I/O', () => {
    const host = createMirrorHost(s3Config(), { env: { EU_KEY: 'k', EU_SECRET: 's' } });
    expect(host.type).toBe('s3');
    expect(host.name).toBe('eu-s3');
    expect(host.capabilities).toEqual({ listHash: 'md5', atomicPut: true, transactional: false });
  });

  it('resolves a relative folder path against the project root (the folder holding mirrors/)', () => {
    const host = createMirrorHost({ name: 'local', file: '/project/mirrors/local.yaml', type: 'folder', enabled: true, concurrency: 4, timeoutMs: 30_000, path: '.samizdat/mirror', hashOnList: true }, { env: {} });
    expect(host).toBeInstanceOf(FolderHost);
    expect((host as FolderHost).root).toBe('/project/.samizdat/mirror');
  });

  it('loadMirrorEnv adds the .env file under the real environment, which wins', async () => {
    await writeFile(path.join(tmp.dir, '.env'), 'EU_SECRET=from-file\nONLY_IN_FILE="quoted value"\n# comment\n');
    const env = await loadMirrorEnv(tmp.dir, { EU_SECRET: 'from-environment' });
    expect(env.EU_SECRET).toBe('from-environment');
    expect(env.ONLY_IN_FILE).toBe('quoted value');
    expect(await loadMirrorEnv(path.join(tmp.dir, 'no-such-dir'), { A: '1' })).toEqual({ A: '1' });
  });

  it('.env is git-ignored', async () => {
    expect((await readFile(path.join(ROOT, '.gitignore'), 'utf8')).split('\n')).toContain('.env');
  });
});

describe('JSON Schema and example files', () => {
  it(`${MIRROR_SCHEMA_PATH} is up to date (run \`npm run schema\` after changing a host type's schema)`, async () => {
    const committed = await readFile(path.join(ROOT, MIRROR_SCHEMA_PATH), 'utf8');
    expect(committed === mirrorJsonSchemaText(), 'mirrors/mirror.schema.json is stale: run `npm run schema`').toBe(true);
  });

  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const validate = ajv.compile(mirrorJsonSchema());

  it('every registered type has an example in mirrors/examples that is disabled, points at the schema, and passes both the zod and the JSON Schema checks', async () => {
    const dir = path.join(ROOT, 'mirrors', 'examples');
    const configs = await loadMirrorConfigs(dir);
    expect(configs.map((c) => c.type).sort()).toEqual(expect.arrayContaining(Object.keys(hostTypes).filter((t) => hostTypes[t]!.kind === 'files').sort()));
    for (const config of configs) {
      expect(config.enabled, `${config.file} must say enabled: false`).toBe(false);
      const data = parseYaml(await readFile(config.file, 'utf8')) as Record<string, unknown>;
      expect(data.$schema).toBe('../mirror.schema.json');
      expect(validate(data), `${config.file}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  });

  it('the JSON Schema refuses what the zod schema refuses', () => {
    expect(validate({ type: 'folder', path: '/srv' })).toBe(true);
    expect(validate({ type: 'folder' })).toBe(false); // path missing
    expect(validate({ type: 'folder', path: '/srv', typo: 1 })).toBe(false);
    expect(validate({ type: 'ftp', path: '/srv' })).toBe(false);
    expect(validate({ type: 's3', bucket: 'news', accessKeyIdEnv: 'K', secretAccessKeyEnv: 'not a name' })).toBe(false);
    expect(validate({ type: 's3', bucket: 'news', accessKeyIdEnv: 'K', secretAccessKeyEnv: 'S', concurrency: 0 })).toBe(false);
  });

  it('the checkout runs with no configuration: mirrors/ enables only local folders, and they have no public url', async () => {
    const configs = await loadMirrorConfigs(path.join(ROOT, 'mirrors'));
    const enabled = configs.filter((c) => c.enabled);
    expect(enabled.length).toBeGreaterThan(0);
    for (const c of enabled) {
      expect(c.type, `${c.file} enables a real host`).toBe('folder');
      expect(path.isAbsolute(c.path as string), `${c.file} must stay inside the checkout`).toBe(false);
      expect(c.url).toBeUndefined();
    }
    const names = await readdir(path.join(ROOT, 'mirrors'));
    expect(names).toContain('mirror.schema.json');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
