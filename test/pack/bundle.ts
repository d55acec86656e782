/** Hand-made bundles for the pack and verify tests: HTML pages plus a real writeManifest. */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadSigningKey, writeManifest, type Manifest, type SigningKey } from '../../src/manifest/index.ts';

export function page(lang: string, title: string, body = ''): string {
  return `<!doctype html>\n<html lang="${lang}">\n<head><meta charset="utf-8"><title>${title}</title></head>\n<body><h1>${title}</h1><p>${body}</p><a href="articles/one/index.html">one</a></body>\n</html>\n`;
}

/** Deterministic pseudo-random bytes (so two bundles made apart hold the same "image"). */
export function fakeMedia(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = x >> 16;
  }
  return out;
}

export function bundleFiles(): Record<string, string | Buffer> {
  return {
    'index.html': page('ru', 'Новости', 'Главная страница'),
    'articles/one/index.html': page('ru', 'Первая статья', 'Текст. '.repeat(200)),
    'articles/two/index.html': page('en', 'Second article', 'Text. '.repeat(200)),
    'articles/три/index.html': page('ru', 'Третья', 'Имя папки по-русски.'),
    'fa/salam/index.html': page('fa', 'سلام', 'متن'),
    'feed.xml': '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title></channel></rss>\n',
    'media/photo.jpg': fakeMedia(20_000),
    'assets/style.css': 'body { font-family: serif; }\n',
    'empty.txt': '',
  };
}

export interface MakeBundleOptions {
  order?: 'forward' | 'reverse';
  /** mtime for every file (seconds since the epoch). */
  mtime?: number;
  /** Permission bits for every file. */
  mode?: number;
  signingKey?: SigningKey;
  extra?: Record<string, string | Buffer>;
  site?: string;
}

/** Writes a bundle into dir and its manifest (signed when a key is given). */
export async function makeBundle(dir: string, options: MakeBundleOptions = {}): Promise<Manifest> {
  const files = { ...bundleFiles(), ...options.extra };
  const names = Object.keys(files);
  if (options.order === 'reverse') names.reverse();
  for (const name of names) {
    const file = path.join(dir, ...name.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, files[name]!);
    if (options.mode !== undefined) await chmod(file, options.mode);
    if (options.mtime !== undefined) await utimes(file, options.mtime, options.mtime);
  }
  return writeManifest(dir, {
    site: options.site ?? 'demo-news',
    publicationDate: '2026-03-04T05:06:07Z',
    ...(options.signingKey ? { signingKey: options.signingKey } : {}),
  });
}

export async function newSigningKey(): Promise<SigningKey & { privatePem: string; publicPem: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const key = (await loadSigningKey({ SAMIZDAT_SIGNING_KEY: privatePem }))!;
  return { ...key, privatePem, publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
}

export { randomBytes };
