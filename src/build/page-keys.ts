/**
 * Keys of what each article page and list page is made from. Equal keys mean equal bytes, so a
 * rebuild carries the page over instead of rendering it again (outputs.ts).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SiteSettings } from '../config/site.ts';
import { sourceFile } from '../paths.ts';
import { VERSION } from '../version.ts';
import { sha256Hex } from '../digest.ts';
import type { ArticleView, FeedLinks, ListPage } from './model.ts';

let templatesFingerprint: string | undefined;
/** Changes whenever a template, a helper the templates call, or samizdat's version changes. */
async function templatesHash(): Promise<string> {
  if (templatesFingerprint) return templatesFingerprint;
  const dir = sourceFile('build', 'templates');
  const hash = createHash('sha256').update(VERSION);
  for (const name of (await readdir(dir)).sort()) hash.update(name).update(await readFile(path.join(dir, name)));
  for (const file of [['build', 'model.ts'], ['content', 'lang.ts']]) hash.update(await readFile(sourceFile(...file)));
  templatesFingerprint = hash.digest('hex');
  return templatesFingerprint;
}

/** An article's view without its text (lists never show it; an article page's text is named by its render key). */
function viewJson(view: ArticleView): string {
  return JSON.stringify({ ...view, html: undefined });
}

export class PageKeys {
  private readonly views = new Map<ArticleView, string>();
  private constructor(private readonly salt: string) {}

  /** Hash of a view without its text, computed once per view. */
  private view(view: ArticleView): string {
    let key = this.views.get(view);
    if (!key) {
      key = sha256Hex(viewJson(view));
      this.views.set(view, key);
    }
    return key;
  }

  static async open(site: SiteSettings, feeds: FeedLinks): Promise<PageKeys> {
    return new PageKeys(createHash('sha256').update(await templatesHash()).update(JSON.stringify(site)).update(JSON.stringify(feeds)).digest('hex'));
  }

  /** `renderKey` names the article's rendered HTML (RenderCache.key). */
  article(view: ArticleView, renderKey: string): string {
    return sha256Hex(`${this.salt}\0article\0${renderKey}\0${this.view(view)}`);
  }

  list(list: ListPage): string {
    const { items, ...rest } = list;
    return sha256Hex(`${this.salt}\0list\0${JSON.stringify(rest)}\0${items.map((v) => this.view(v)).join(',')}`);
  }

  static media(source: string, stamp: string): string {
    return `media\0${source}\0${stamp}`;
  }
}
