import { execFileSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { loadSigningKey, publicKeyFingerprint } from '../../src/manifest/index.ts';
import { tempDir } from '../support/net.ts';

function capture(cwd: string, env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env, cwd },
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}

describe('samizdat keygen', () => {
  it('writes a 0600 private key and its .pub, prints only the fingerprint, and the key signs builds', async () => {
    const t = await tempDir();
    try {
      const c = capture(t.dir);
      expect(await main(['keygen', '--out', 'keys/newsroom.key'], c.io)).toBe(0);
      const priv = path.join(t.dir, 'keys/newsroom.key');
      expect((await stat(priv)).mode & 0o777).toBe(0o600);
      expect((await stat(`${priv}.pub`)).mode & 0o777).toBe(0o644);
      const fingerprint = publicKeyFingerprint(await readFile(`${priv}.pub`, 'utf8'));
      expect(c.out).toContain(fingerprint);
      expect(c.out).toContain(`export SAMIZDAT_SIGNING_KEY_FILE=${priv}`);
      expect(c.out + c.err).not.toContain('PRIVATE KEY');
      const privatePem = await readFile(priv, 'utf8');
      expect(c.out).not.toContain(privatePem.split('\n')[1]!);
      const key = await loadSigningKey({ SAMIZDAT_SIGNING_KEY_FILE: priv });
      expect(key?.fingerprint).toBe(fingerprint);
    } finally {
      await t.cleanup();
    }
  });

  it('never overwrites a key or its .pub, and leaves both untouched', async () => {
    const t = await tempDir();
    try {
      const first = capture(t.dir);
      expect(await main(['keygen', '--out', 'k.key', '--json'], first.io)).toBe(0);
      const before = await readFile(path.join(t.dir, 'k.key'));
      const again = capture(t.dir);
      expect(await main(['keygen', '--out', 'k.key'], again.io)).toBe(1);
      expect(again.err).toContain('already exists');
      expect(await readFile(path.join(t.dir, 'k.key'))).toEqual(before);

      // Only the .pub in the way: nothing is written either.
      await writeFile(path.join(t.dir, 'other.key.pub'), 'mine');
      expect(await main(['keygen', '--out', 'other.key'], capture(t.dir).io)).toBe(1);
      await expect(stat(path.join(t.dir, 'other.key'))).rejects.toThrow();
      expect(await readFile(path.join(t.dir, 'other.key.pub'), 'utf8')).toBe('mine');
    } finally {
      await t.cleanup();
    }
  });

  it('defaults to the user config folder and warns about a key inside a git work tree', async () => {
    const t = await tempDir();
    try {
      const c = capture(t.dir, { HOME: t.dir });
      expect(await main(['keygen', '--json'], c.io)).toBe(0);
      const r = JSON.parse(c.out);
      expect(r.privateKeyFile).toBe(path.join(t.dir, '.config/samizdat/signing.key'));
      expect(r.insideGitWorkTree).toBe(false);

      execFileSync('git', ['init', '-q', path.join(t.dir, 'repo')]);
      const w = capture(t.dir);
      expect(await main(['keygen', '--out', 'repo/signing.key'], w.io)).toBe(0);
      expect(w.err).toContain('inside a git work tree');
      await writeFile(path.join(t.dir, 'repo/.gitignore'), '*.key\n');
      const ignored = capture(t.dir);
      expect(await main(['keygen', '--out', 'repo/ignored.key'], ignored.io)).toBe(0);
      expect(ignored.err).toBe('');
    } finally {
      await t.cleanup();
    }
  });
});
