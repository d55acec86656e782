/**
 * A content-hash cache of rendered articles under .samizdat/: a rebuild renders only the
 * articles whose bytes (or images) changed. Entries are written atomically; a damaged or
 * stale entry is simply rendered again.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Article } from '../content/index.ts';
import type { RenderedArticle } from './render.ts';
import { VERSION } from '../version.ts';

/** Bump when rendering changes output for the same input. */
const RENDER_VERSION = 2;

export class RenderCache {
  constructor(readonly dir: string | undefined) {}

  key(article: Article): string {
    return createHash('sha256').update(`${VERSION}\0${RENDER_VERSION}\0${article.file}\0${article.url}\0${article.hash}`).digest('hex');
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
    for (const m of entry.media ?? []) {
      try {
        const st = await stat(m.source);
        if (`${st.size}:${Math.trunc(st.mtimeMs)}` !== m.stamp) return undefined;
      } catch {
        return undefined;
      }
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
