/**
 * The pages of the bundle, as one table: what each kind of page is paginated over and how it is
 * rendered to finished, escaped text. Eleventy gets them as virtual JavaScript templates
 * paginated over the `samizdat` global data (src/build/eleventy.ts); a small rebuild writes the
 * same renders itself (src/build/write-pages.ts). Both read this table, so they cannot differ.
 */
import type { MirrorsInfo } from '../mirrors.ts';
import { mirrorsJson } from '../mirrors.ts';
import type { ArticleView, FeedSpec, IndexPage, ListPage, SiteModel } from '../model.ts';
import { renderFeed } from '../feeds/index.ts';
import type { FeedSplice } from '../feeds/splice.ts';
import { mirrorsPage } from './mirrors.ts';
import { articlePage, indexPage, listPage, notFoundPage } from './pages.ts';

/** What buildSite hands Eleventy as global data `samizdat`. */
export interface EleventyBuildData {
  model: SiteModel;
  mirrors: MirrorsInfo;
  /** The article pages to render now (all of them, or only the changed ones on a rebuild). */
  renderArticles: ArticleView[];
  /** The list pages to render now (all of them, or only the changed ones on a rebuild). */
  renderLists: ListPage[];
  /**
   * Handed each file's text as it is rendered (an audit that runs while pages are written).
   * There are no layouts or transforms, so this is the text Eleventy writes; the audit only
   * trusts it for a file whose bytes on disk turn out to match.
   */
  onPage?: (file: string, text: string) => void;
  /**
   * Indexes, feeds and pages of their own that a rebuild carries over unchanged: not written by
   * write-pages.ts (Eleventy, which a rebuild starts only for hundreds of files, writes them all).
   */
  carried?: ReadonlySet<string>;
  /** Feeds a rebuild splices from the ones it wrote last time (../feeds/splice.ts): written by write-pages.ts only. */
  feedSplices?: ReadonlyMap<string, FeedSplice>;
}

/** One kind of output: the items it is paginated over (one file each) and how one is rendered. */
interface PageKind<T extends { url: string } = { url: string }> {
  name: string;
  /** Where the items are in the `samizdat` data, for Eleventy's pagination. */
  dataKey?: string;
  /** Instead of dataKey: the one file of a page of its own. */
  page?: { url: string };
  items: (b: EleventyBuildData) => readonly T[];
  render: (b: EleventyBuildData, item: T) => string;
  /** A page of its own: everything it is made from besides the site settings and the code. */
  inputs?: (b: Pick<EleventyBuildData, 'model' | 'mirrors'>) => unknown;
}

function kind<T extends { url: string }>(k: PageKind<T>): PageKind {
  return k as unknown as PageKind;
}

/** A page of its own. */
function single(url: string, render: (b: EleventyBuildData) => string, inputs: PageKind['inputs']): PageKind {
  const page = { url };
  return { name: url.replace(/[/.]/g, '-'), page, items: () => [page], render: (b) => render(b), inputs };
}

const pageKinds: PageKind[] = [
  kind<ArticleView>({ name: 'article', dataKey: 'renderArticles', items: (b) => b.renderArticles, render: (b, a) => articlePage(b.model, a) }),
  kind<ListPage>({ name: 'list', dataKey: 'renderLists', items: (b) => b.renderLists, render: (b, l) => listPage(b.model, l) }),
  kind<IndexPage>({ name: 'index-pages', dataKey: 'model.indexes', items: (b) => b.model.indexes, render: (b, i) => indexPage(b.model, i) }),
  kind<FeedSpec>({ name: 'feeds', dataKey: 'model.feeds', items: (b) => b.model.feeds, render: (b, f) => renderFeed(b.model, f) }),
  // Each with what it reads besides the site settings (and the site feeds' URLs, which follow from them).
  single('mirrors/index.html', (b) => mirrorsPage(b.model, b.mirrors), (b) => [b.mirrors, b.model.languages]),
  single('mirrors.json', (b) => mirrorsJson(b.model.site, b.mirrors, b.model.publicationDate), (b) => [b.mirrors, b.model.publicationDate]),
  single('404.html', (b) => notFoundPage(b.model), () => null),
];

/** The pages of their own, each with what it is made from (for its page key). */
export function ownPages(b: Pick<EleventyBuildData, 'model' | 'mirrors'>): Array<{ url: string; inputs: unknown }> {
  return pageKinds.flatMap((k) => (k.page ? [{ url: k.page.url, inputs: k.inputs!(b) }] : []));
}

function renderPage(b: EleventyBuildData, k: PageKind, item: { url: string }): string {
  const text = k.render(b, item);
  b.onPage?.(item.url, text);
  return text;
}

interface Data {
  samizdat: EleventyBuildData;
  item: { url: string };
}

export const eleventyTemplates: Array<{ path: string; template: unknown }> = pageKinds.map((k) => {
  const page = k.page;
  if (page) {
    return {
      path: `${k.name}.11ty.js`,
      template: { data: { eleventyExcludeFromCollections: true, permalink: page.url }, render: (d: Data) => renderPage(d.samizdat, k, page) },
    };
  }
  return {
    path: `${k.name}.11ty.js`,
    template: {
      data: {
        eleventyExcludeFromCollections: true,
        pagination: { data: `samizdat.${k.dataKey}`, size: 1, alias: 'item', addAllPagesToCollections: false },
        permalink: (d: Data) => d.item.url,
      },
      render: (d: Data) => renderPage(d.samizdat, k, d.item),
    },
  };
});

/** Every file the pages above make for this data, with its renderer, in table order. */
export function* bundlePages(data: EleventyBuildData): Generator<{ url: string; render: () => string }> {
  for (const k of pageKinds) {
    for (const item of k.items(data)) if (!data.carried?.has(item.url)) yield { url: item.url, render: () => renderPage(data, k, item) };
  }
}

/** Every file the templates above write for this data (what the bundle audit expects to find). */
export function templateOutputs(data: EleventyBuildData): string[] {
  return Array.from(bundlePages(data), (p) => p.url);
}
