/**
 * Reuses unchanged article pages from the previous build instead of rendering them again.
 * An article page depends only on its ArticleView, the site settings and the templates; the
 * state file (in the cache folder) records, per page, a key over those and the sha256 of the
 * bytes written. A page is reused only when its key matches AND the file in the previous
 * output still has those bytes, so a hand-edited or damaged output is never carried over.
 */
import { createHash } from 'node:crypto';
import { copyFile, link, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SiteSettings } from '../config/site.ts';
import type { ArticleView, FeedLinks } from './model.ts';
import { VERSION } from '../version.ts';
import { sourceFile } from '../paths.ts';
import { mapLimit } from './map-limit.ts';

interface PageState {
  key: string;
  sha256: string;
}

interface StateFile {
  outDir: string;
  pages: Record<string, PageState>;
}

let templatesFingerprint: string | undefined;
/** Changes whenever a template or samizdat's version changes. */
async function templatesHash(): Promise<string> {
  if (templatesFingerprint) return templatesFingerprint;
  const dir = sourceFile('build', 'templates');
  const hash = createHash('sha256').update(VERSION);
  for (const name of (await readdir(dir)).sort()) hash.update(name).update(await readFile(path.join(dir, name)));
  // Helpers the templates call (date formatting, text direction).
  for (const file of [['build', 'model.ts'], ['content', 'lang.ts']]) hash.update(await readFile(sourceFile(...file)));
  templatesFingerprint = hash.digest('hex');
  return templatesFingerprint;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class PageReuse {
  private constructor(
    private readonly stateFile: string | undefined,
    private readonly outDir: string,
    private readonly previous: Record<string, PageState>,
    private readonly salt: string,
  ) {}

  static async open(cacheDir: string | undefined, outDir: string, site: SiteSettings, feeds: FeedLinks): Promise<PageReuse> {
    const salt = createHash('sha256').update(await templatesHash()).update(JSON.stringify(site)).update(JSON.stringify(feeds)).digest('hex');
    if (!cacheDir) return new PageReuse(undefined, outDir, {}, salt);
    const stateFile = path.join(cacheDir, 'pages.json');
    let previous: Record<string, PageState> = {};
    try {
      const state = JSON.parse(await readFile(stateFile, 'utf8')) as StateFile;
      if (state.outDir === outDir) previous = state.pages;
    } catch {
      // No state yet: every page is rendered.
    }
    return new PageReuse(stateFile, outDir, previous, salt);
  }

  private readonly keys = new Map<ArticleView, string>();

  key(view: ArticleView): string {
    let key = this.keys.get(view);
    if (!key) {
      key = createHash('sha256').update(this.salt).update(JSON.stringify(view)).digest('hex');
      this.keys.set(view, key);
    }
    return key;
  }

  /**
   * Splits the articles into those whose page can be taken from the previous output and
   * those to render. Reused pages are linked (or copied) into `staging` right away.
   */
  async reuse(views: ArticleView[], staging: string): Promise<{ render: ArticleView[]; reused: number }> {
    const carried = await mapLimit(views, 16, async (view) => {
      const before = this.previous[view.url];
      return Boolean(before && before.key === this.key(view) && (await this.carryOver(view.url, before.sha256, staging)));
    });
    const render = views.filter((_, i) => !carried[i]);
    return { render, reused: views.length - render.length };
  }

  private async carryOver(url: string, expected: string, staging: string): Promise<boolean> {
    const from = path.join(this.outDir, ...url.split('/'));
    let bytes: Buffer;
    try {
      bytes = await readFile(from);
    } catch {
      return false;
    }
    if (sha256(bytes) !== expected) return false;
    const to = path.join(staging, ...url.split('/'));
    await mkdir(path.dirname(to), { recursive: true });
    // A hard link survives the removal of the old output; copy where links are not possible.
    await link(from, to).catch(() => copyFile(from, to));
    return true;
  }

  /** Records the pages of the finished build, with their hashes from its manifest. */
  async save(views: ArticleView[], files: ReadonlyArray<{ path: string; sha256: string }>): Promise<void> {
    if (!this.stateFile) return;
    const hashes = new Map(files.map((f) => [f.path, f.sha256]));
    const pages: Record<string, PageState> = {};
    for (const view of views) {
      const hash = hashes.get(view.url);
      if (hash) pages[view.url] = { key: this.key(view), sha256: hash };
    }
    await mkdir(path.dirname(this.stateFile), { recursive: true });
    const tmp = `${this.stateFile}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ outDir: this.outDir, pages } satisfies StateFile));
    await rename(tmp, this.stateFile);
  }
}
