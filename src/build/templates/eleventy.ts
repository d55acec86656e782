/**
 * The virtual Eleventy templates of the bundle: JavaScript templates paginated over the
 * `samizdat` global data (see src/build/eleventy.ts). Each renders finished, escaped HTML.
 */
import type { MirrorsInfo } from '../mirrors.ts';
import { mirrorsJson } from '../mirrors.ts';
import type { ArticleView, FeedSpec, IndexPage, ListPage, SiteModel } from '../model.ts';
import { renderFeed } from '../feeds/index.ts';
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
}

function emit(b: EleventyBuildData, file: string, text: string): string {
  b.onPage?.(file, text);
  return text;
}

interface Data {
  samizdat: EleventyBuildData;
  item: unknown;
}

const common = { eleventyExcludeFromCollections: true };

function paged<T extends { url: string }>(dataKey: string, render: (b: EleventyBuildData, item: T) => string) {
  return {
    data: {
      ...common,
      pagination: { data: `samizdat.${dataKey}`, size: 1, alias: 'item', addAllPagesToCollections: false },
      permalink: (d: Data) => (d.item as T).url,
    },
    render: (d: Data) => emit(d.samizdat, (d.item as T).url, render(d.samizdat, d.item as T)),
  };
}

function single(url: string, render: (b: EleventyBuildData) => string) {
  return { data: { ...common, permalink: url }, render: (d: Data) => emit(d.samizdat, url, render(d.samizdat)) };
}

/** Pages of their own, by the file they are written to. */
const singles: Array<[url: string, render: (b: EleventyBuildData) => string]> = [
  ['mirrors/index.html', (b) => mirrorsPage(b.model, b.mirrors)],
  ['mirrors.json', (b) => mirrorsJson(b.model.site, b.mirrors, b.model.publicationDate)],
  ['404.html', (b) => notFoundPage(b.model)],
];

export const eleventyTemplates: Array<{ path: string; template: unknown }> = [
  { path: 'article.11ty.js', template: paged<ArticleView>('renderArticles', (b, a) => articlePage(b.model, a)) },
  { path: 'list.11ty.js', template: paged<ListPage>('renderLists', (b, l) => listPage(b.model, l)) },
  { path: 'index-pages.11ty.js', template: paged<IndexPage>('model.indexes', (b, i) => indexPage(b.model, i)) },
  { path: 'feeds.11ty.js', template: paged<FeedSpec>('model.feeds', (b, f) => renderFeed(b.model, f)) },
  ...singles.map(([url, render]) => ({ path: `${url.replace(/[/.]/g, '-')}.11ty.js`, template: single(url, render) })),
];

/** Every file the templates above write for this data (what the bundle audit expects to find). */
export function templateOutputs(data: EleventyBuildData): string[] {
  return [
    ...data.renderArticles.map((a) => a.url),
    ...data.renderLists.map((l) => l.url),
    ...data.model.indexes.map((i) => i.url),
    ...data.model.feeds.map((f) => f.url),
    ...singles.map(([url]) => url),
  ];
}
