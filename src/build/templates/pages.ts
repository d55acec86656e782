/** Page bodies: article, lists, indexes, 404. Every value is escaped; article HTML is already sanitized. */
import type { ArticleView, IndexPage, ListPage, SiteModel } from '../model.ts';
import { formatDate } from '../model.ts';
import { esc, rootOf } from './escape.ts';
import { page } from './layout.ts';

const OUTBOUND = 'rel="noopener noreferrer"';

function time(iso: string): string {
  // English date words inside right-to-left text keep their own order.
  return `<time datetime="${esc(iso)}" dir="ltr">${esc(formatDate(iso))}</time>`;
}

function meta(a: ArticleView): string {
  const parts = [time(a.date)];
  if (a.updated && a.updated !== a.date) parts.push(`updated ${time(a.updated)}`);
  if (a.author) parts.push(esc(a.author));
  return parts.join(' · ');
}

export function articlePage(model: SiteModel, a: ArticleView): string {
  const r = rootOf(a.url);
  const figure = a.image
    ? `<figure><img src="${r}${esc(a.image.path)}" alt="${esc(a.image.alt)}"${a.image.width ? ` width="${a.image.width}" height="${a.image.height}"` : ''}>${a.imageCaption ? `<figcaption>${esc(a.imageCaption)}</figcaption>` : ''}</figure>\n`
    : a.imageCaption
      ? `<figure><figcaption>${esc(a.imageCaption)}</figcaption></figure>\n`
      : '';
  const tags = a.tags.length
    ? `<nav aria-label="Tags"><ul class="tags">${a.tags.map((t) => `<li><a href="${r}${esc(t.url)}">${esc(t.name)}</a></li>`).join('')}</ul></nav>\n`
    : '';
  const source = a.source ? `<p class="meta">Originally published at <a href="${esc(a.source)}" ${OUTBOUND}>${esc(a.source)}</a></p>\n` : '';
  const main = `<article lang="${esc(a.lang)}" dir="${a.dir}">
<header>
<h1>${esc(a.title)}</h1>
<p class="meta">${meta(a)}</p>
</header>
${figure}<div class="body">
${a.html}
</div>
<footer>
${tags}${source}</footer>
</article>`;
  return page({ site: model.site, url: a.url, title: a.title, description: a.summary, feeds: model.siteFeeds, main });
}

function listItems(from: string, items: ArticleView[]): string {
  const r = rootOf(from);
  return `<ol class="list">
${items
  .map(
    (a) => `<li lang="${esc(a.lang)}" dir="${a.dir}"><h2><a href="${r}${esc(a.url)}">${esc(a.title)}</a></h2>
<p class="meta">${meta(a)}</p>${a.summary ? `\n<p>${esc(a.summary)}</p>` : ''}</li>`,
  )
  .join('\n')}
</ol>`;
}

/** The dates an archive page covers, oldest first: "13 August 2015 – 2 September 2015". */
function rangeText(from: string, to: string): string {
  const a = formatDate(from);
  const b = formatDate(to);
  return a === b ? a : `${a} – ${b}`;
}

function rangeHtml(from: string, to: string): string {
  return formatDate(from) === formatDate(to) ? time(from) : `${time(from)} – ${time(to)}`;
}

/**
 * A list page. Nothing here may depend on the length of the list or its number of pages:
 * archive pages must keep their bytes when newer articles are added (see paginate()).
 */
export function listPage(model: SiteModel, list: ListPage): string {
  const r = rootOf(list.url);
  const archive = list.archive;
  const heading = list.kind === 'home' && !archive ? model.site.title : list.heading;
  const range = archive ? `<p class="meta">${rangeHtml(archive.from, archive.to)}</p>\n` : '';
  const intro = list.kind === 'home' && model.site.description && !archive ? `<p>${esc(model.site.description)}</p>\n` : '';
  const empty = list.items.length === 0 ? '<p>No articles yet.</p>\n' : '';
  const pager =
    list.prevUrl || list.nextUrl
      ? `<nav class="pager" aria-label="Pages">${list.prevUrl ? `<a href="${r}${list.prevUrl}" rel="prev">← Newer</a>` : '<span></span>'}${list.nextUrl ? `<a href="${r}${list.nextUrl}" rel="next">Older →</a>` : '<span></span>'}</nav>\n`
      : '';
  const feeds = list.kind === 'lang' ? `<p class="meta">Feeds in this language: <a href="${r}${list.feeds.atom}">Atom</a>, <a href="${r}${list.feeds.rss}">RSS</a>, <a href="${r}${list.feeds.json}">JSON Feed</a></p>\n` : '';
  const main = `<h1>${esc(heading)}</h1>
${range}${intro}${feeds}${empty}${listItems(list.url, list.items)}
${pager}`;
  return page({
    site: model.site,
    url: list.url,
    title: archive ? `${heading}, ${rangeText(archive.from, archive.to)}` : heading,
    ...(list.kind === 'lang' && list.lang ? { feeds: { ...list.feeds, title: `${model.site.title} (${list.lang})` } } : { feeds: model.siteFeeds }),
    main,
  });
}

export function indexPage(model: SiteModel, index: IndexPage): string {
  const r = rootOf(index.url);
  const main = `<h1>${esc(index.heading)}</h1>
${index.entries.length === 0 ? '<p>Nothing here yet.</p>\n' : ''}<ul>
${index.entries.map((e) => `<li${e.lang ? ` lang="${esc(e.lang)}"` : ''}><a href="${r}${esc(e.url)}">${esc(e.label)}</a> <span class="meta">(${e.count})</span></li>`).join('\n')}
</ul>`;
  return page({ site: model.site, url: index.url, title: index.heading, feeds: model.siteFeeds, main });
}

/**
 * Served by hosts for any missing path, so its relative links only work from the root; the
 * text says where to go without them.
 */
export function notFoundPage(model: SiteModel): string {
  const main = `<h1>Page not found</h1>
<p>This page is not part of this copy of the site. It may have been moved, or this mirror may be out of date.</p>
<p>Go to the <a href="index.html">latest articles</a>, or see the <a href="mirrors/index.html">list of mirrors</a> for other copies of the site.</p>`;
  return page({ site: model.site, url: '404.html', title: 'Page not found', main });
}
