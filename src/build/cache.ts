/**
 * A content-hash cache of rendered articles under .samizdat/: a rebuild renders only the
 * articles whose bytes (or images) changed. Entries are written atomically; a damaged or
 * stale entry is simply rendered again.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Article } from '../content/index.ts';
import { stampOf, type RenderedArticle } from './render.ts';
import { VERSION } from '../version.ts';
import { sourceFile } from '../paths.ts';

/** Bump when rendering changes output for the same input. */
const RENDER_VERSION = 3;

const require = createRequire(import.meta.url);

let codeFingerprint: string | undefined;
/**
 * What else decides a rendering: the rendering code itself and the Markdown and sanitizer
 * libraries' versions. Any change starts the cache afresh.
 */
async function renderCodeHash(): Promise<string> {
  if (codeFingerprint) return codeFingerprint;
  const hash = createHash('sha256').update(`${VERSION}\0${RENDER_VERSION}`);
  for (const file of ['markdown.ts', 'render.ts']) hash.update(await readFile(sourceFile('build', file)));
  for (const pkg of ['markdown-it', 'sanitize-html']) {
    try {
      hash.update(`${pkg}@${(require(`${pkg}/package.json`) as { version: string }).version}`);
    } catch {
      hash.update(`${pkg}@unknown`);
    }
  }
  codeFingerprint = hash.digest('hex');
  return codeFingerprint;
}

export class RenderCache {
  private salt = '';
  private constructor(readonly dir: string | undefined) {}

  static async open(dir: string | undefined): Promise<RenderCache> {
    const cache = new RenderCache(dir);
    if (dir) cache.salt = await renderCodeHash();
    return cache;
  }

  key(article: Article): string {
    return createHash('sha256').update(`${this.salt}\0${article.file}\0${article.url}\0${article.hash}`).digest('hex');
  }

  private file(key: string): string {
    return path.join(this.dir!, 'articles', key.slice(0, 2), `${key}.json`);
  }

  async get(article: Article): Promise<RenderedArticle | undefined> {
    if (!this.dir) return undefined;
    let entry: RenderedArticle;
    try {
      entry = JSON.parse(await readFile(this.file(this.key(article)), 'utf8')) as RenderedArticle;
    } catch {
      return undefined;
    }
    if (!Array.isArray(entry.inputs)) return undefined;
    for (const input of entry.inputs) {
      let now: string | null;
      try {
        now = stampOf(await stat(input.source));
      } catch {
        now = null;
      }
      if (now !== input.stamp) return undefined;
    }
    return entry;
  }

  async set(article: Article, rendered: RenderedArticle): Promise<void> {
    if (!this.dir) return;
    const file = this.file(this.key(article));
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(rendered));
    await rename(tmp, file);
  }
}
