import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, createHash, verify } from 'node:crypto';
import { mkdir, readFile, writeFile, access } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import {
  loadSigningKey,
  parseSignatureFile,
  publicKeyFingerprint,
  writeManifest,
  MANIFEST_FILE,
  SIGNATURE_FILE,
} from '../../src/manifest/index.ts';
import { tempDir } from '../support/net.ts';

function pem() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    publicKey,
  };
}

describe('publicKeyFingerprint', () => {
  it('is SHA256: + unpadded base64 of sha256 over the raw 32-byte key, the same from PEM, KeyObject and private key', () => {
    const k = pem();
    const raw = Buffer.from(String(k.publicKey.export({ format: 'jwk' }).x), 'base64url');
    expect(raw.length).toBe(32);
    const expected = 'SHA256:' + createHash('sha256').update(raw).digest('base64').replace(/=+$/, '');
    expect(publicKeyFingerprint(k.publicKey)).toBe(expected);
    expect(publicKeyFingerprint(k.publicPem)).toBe(expected);
    expect(publicKeyFingerprint(k.privatePem)).toBe(expected);
    expect(expected).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('refuses a non-Ed25519 key', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => publicKeyFingerprint(publicKey)).toThrow(InputError);
  });
});

describe('loadSigningKey', () => {
  it('returns undefined when nothing is configured', async () => {
    expect(await loadSigningKey({})).toBeUndefined();
  });

  it('reads the PEM from SAMIZDAT_SIGNING_KEY', async () => {
    const k = pem();
    const key = await loadSigningKey({ SAMIZDAT_SIGNING_KEY: k.privatePem });
    expect(key?.fingerprint).toBe(publicKeyFingerprint(k.publicPem));
  });

  it('reads SAMIZDAT_SIGNING_KEY_FILE, relative to cwd', async () => {
    const t = await tempDir();
    try {
      const k = pem();
      await writeFile(path.join(t.dir, 'signing.key'), k.privatePem, { mode: 0o600 });
      const key = await loadSigningKey({ SAMIZDAT_SIGNING_KEY_FILE: 'signing.key' }, t.dir);
      expect(key?.fingerprint).toBe(publicKeyFingerprint(k.publicPem));
    } finally {
      await t.cleanup();
    }
  });

  it('refuses a key file tracked by git, and never puts the key into the error', async () => {
    const t = await tempDir();
    try {
      const k = pem();
      const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: t.dir, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
      execFileSync('git', ['init', '-q', t.dir], { env });
      await mkdir(path.join(t.dir, 'keys'));
      await writeFile(path.join(t.dir, 'keys', 'signing.key'), k.privatePem);
      // Untracked inside a work tree: allowed.
      expect(await loadSigningKey({ SAMIZDAT_SIGNING_KEY_FILE: path.join(t.dir, 'keys', 'signing.key') })).toBeDefined();
      execFileSync('git', ['-C', t.dir, 'add', 'keys/signing.key'], { env });
      const err = await loadSigningKey({ SAMIZDAT_SIGNING_KEY_FILE: path.join(t.dir, 'keys', 'signing.key') }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).code).toBe('SIGNING_KEY_TRACKED');
      expect(JSON.stringify((err as InputError).toJSON())).not.toContain('PRIVATE KEY');
    } finally {
      await t.cleanup();
    }
  });

  it('gives a clear error for garbage, a missing file, both variables, or an RSA key, without the key text', async () => {
    const secret = '-----BEGIN PRIVATE KEY-----\nTOPSECRETbutbroken\n-----END PRIVATE KEY-----\n';
    const e1 = await loadSigningKey({ SAMIZDAT_SIGNING_KEY: secret }).catch((e: unknown) => e);
    expect((e1 as InputError).code).toBe('SIGNING_KEY_UNREADABLE');
    expect((e1 as Error).message).not.toContain('TOPSECRET');
    const e2 = await loadSigningKey({ SAMIZDAT_SIGNING_KEY_FILE: '/nonexistent/key.pem' }).catch((e: unknown) => e);
    expect((e2 as InputError).code).toBe('SIGNING_KEY_UNREADABLE');
    const e3 = await loadSigningKey({ SAMIZDAT_SIGNING_KEY: pem().privatePem, SAMIZDAT_SIGNING_KEY_FILE: '/x' }).catch((e: unknown) => e);
    expect((e3 as InputError).code).toBe('SIGNING_KEY_AMBIGUOUS');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const e4 = await loadSigningKey({ SAMIZDAT_SIGNING_KEY: rsa }).catch((e: unknown) => e);
    expect((e4 as InputError).code).toBe('KEY_NOT_ED25519');
  });
});

describe('writeManifest with a signing key', () => {
  it('writes a signature over the exact manifest bytes, names the signer, and removes a stale signature when unsigned', async () => {
    const t = await tempDir();
    try {
      await writeFile(path.join(t.dir, 'index.html'), '<p>hi</p>');
      const k = pem();
      const key = (await loadSigningKey({ SAMIZDAT_SIGNING_KEY: k.privatePem }))!;
      const manifest = await writeManifest(t.dir, { site: 'demo', publicationDate: '2026-01-02T00:00:00Z', signingKey: key });
      expect(manifest.signer).toBe(key.fingerprint);
      const bytes = await readFile(path.join(t.dir, MANIFEST_FILE));
      const sig = parseSignatureFile(await readFile(path.join(t.dir, SIGNATURE_FILE), 'utf8'));
      expect(sig.signer).toBe(key.fingerprint);
      expect(sig.signature.length).toBe(64);
      expect(verify(null, bytes, k.publicKey, sig.signature)).toBe(true);
      expect(JSON.parse(bytes.toString()).signer).toBe(key.fingerprint);

      const unsigned = await writeManifest(t.dir, { site: 'demo', publicationDate: '2026-01-02T00:00:00Z' });
      expect(unsigned.signer).toBeUndefined();
      await expect(access(path.join(t.dir, SIGNATURE_FILE))).rejects.toThrow();
    } finally {
      await t.cleanup();
    }
  });
});

describe('writeManifest on a large bundle (worker threads)', () => {
  it('lists 600 files with the same sizes and hashes as a direct read, sorted, and an id from the content', async () => {
    const t = await tempDir();
    try {
      for (let i = 0; i < 600; i++) {
        await mkdir(path.join(t.dir, `d${i % 10}`), { recursive: true });
        await writeFile(path.join(t.dir, `d${i % 10}`, `f${i}.html`), `<p>${i}</p>`.repeat(i % 50));
      }
      const m = await writeManifest(t.dir, { site: 'big', publicationDate: '2026-01-02T00:00:00Z' });
      expect(m.files).toHaveLength(600);
      expect(m.files.map((f) => f.path)).toEqual([...m.files.map((f) => f.path)].sort());
      for (const f of m.files.filter((_, i) => i % 37 === 0)) {
        const bytes = await readFile(path.join(t.dir, f.path));
        expect(f.size).toBe(bytes.length);
        expect(f.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      }
      const again = await writeManifest(t.dir, { site: 'big', publicationDate: '2026-01-02T00:00:00Z' });
      expect(again.publication.id).toBe(m.publication.id);
      await writeFile(path.join(t.dir, 'd3/f3.html'), 'changed');
      expect((await writeManifest(t.dir, { site: 'big', publicationDate: '2026-01-02T00:00:00Z' })).publication.id).not.toBe(m.publication.id);
    } finally {
      await t.cleanup();
    }
  });
});
