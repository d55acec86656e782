/**
 * Keys of what each article page and list page is made from. Equal keys mean equal bytes, so a
 * rebuild carries the page over instead of rendering it again (outputs.ts).
 *
 * An article's part of a key names its inputs, not its view: the render key (the file's path,
 * URL and bytes, and the rendering code), the images its rendering looked at, and, in the salt,
 * the code that parses articles and makes views, the templates, the site settings. A rebuild
 * of 10,000 articles thus hashes no article's view.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SiteSettings } from '../config/site.ts';
import { SamizdatError } from '../errors.ts';
import { packageVersion, sourceFile } from '../paths.ts';
import { VERSION } from '../version.ts';
import { sha256Hex } from '../digest.ts';
import type { ArticleView, FeedLinks, FeedSpec, ListPage } from './model.ts';
import type { FileInput } from './render.ts';

let templatesFingerprint: string | undefined;
/** Changes whenever a template, a helper the templates call, or samizdat's version changes. */
async function templatesHash(): Promise<string> {
  if (templatesFingerprint) return templatesFingerprint;
  const dir = sourceFile('build', 'templates');
  const hash = createHash('sha256').update(VERSION);
  // Read synchronously: a dozen small files, where each asynchronous read is a few thread-pool
  // round trips that wait for a core on a busy machine.
  for (const name of readdirSync(dir).sort()) hash.update(name).update(readFileSync(path.join(dir, name)));
  // model.ts makes the views; lang.ts names languages and directions; the feeds and mirrors.json
  // are written by code of their own, with the RSS plugin's date format.
  for (const file of [['build', 'model.ts'], ['content', 'lang.ts'], ['build', 'feeds', 'index.ts'], ['build', 'mirrors.ts']]) hash.update(readFileSync(sourceFile(...file)));
  hash.update(`@11ty/eleventy-plugin-rss@${packageVersion('@11ty/eleventy-plugin-rss') ?? 'unknown'}`);
  templatesFingerprint = hash.digest('hex');
  return templatesFingerprint;
}

export class PageKeys {
  private readonly items = new Map<ArticleView, string>();
  /**
   * What every key of this build is made under: the templates, site settings and code. Keys are
   * compared only with keys made under the same salt (OutputState.keysMadeWith), so it is not
   * hashed into each of them.
   */
  private constructor(readonly salt: string) {}

  /**
   * `contentVersion` names the code that parses articles for this site language (the content
   * cache's version): an article's fields follow from its bytes and that code. Without one,
   * nothing is carried over.
   */
  static async open(site: SiteSettings, feeds: FeedLinks, contentVersion: string | undefined): Promise<PageKeys> {
    const hash = createHash('sha256').update(await templatesHash()).update(JSON.stringify(site)).update(JSON.stringify(feeds));
    hash.update(contentVersion ?? randomBytes(32));
    return new PageKeys(hash.digest('hex'));
  }

  /**
   * Names what an article's view and text are made from: `renderKey` (RenderCache.key) and the
   * files the rendering looked at (an image's new size changes the text under the same key).
   */
  describe(view: ArticleView, renderKey: string, inputs: readonly FileInput[]): void {
    this.items.set(view, inputs.length ? sha256Hex(`${renderKey}\0${JSON.stringify(inputs)}`) : renderKey);
  }

  private item(view: ArticleView): string {
    const key = this.items.get(view);
    if (key === undefined) throw new SamizdatError('BUILD_KEY_MISSING', `no page key was made for ${view.file}`, { hint: 'This is a bug in samizdat; please report it.' });
    return key;
  }

  article(view: ArticleView): string {
    return `a:${this.item(view)}`;
  }

  list(list: ListPage): string {
    const { items, ...rest } = list;
    return `l:${sha256Hex(`${JSON.stringify(rest)}\0${items.map((v) => this.item(v)).join(',')}`)}`;
  }

  /** A feed: its settings and, for each of its articles, what the article is made from. */
  feed(feed: FeedSpec): string {
    const { articles, ...rest } = feed;
    return `f:${sha256Hex(`${JSON.stringify(rest)}\0${articles.map((v) => this.item(v)).join(',')}`)}`;
  }

  /** A page made from `inputs` alone (and what the salt names): an index, the mirrors page, … */
  static page(inputs: unknown): string {
    return `p:${sha256Hex(JSON.stringify(inputs) ?? '')}`;
  }

  static media(source: string, stamp: string): string {
    return `media\0${source}\0${stamp}`;
  }
}
