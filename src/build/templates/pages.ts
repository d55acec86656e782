/** Page bodies: article, lists, indexes, 404. Every value is escaped; article HTML is already sanitized. */
import type { ArticleView, IndexPage, ListPage, SiteModel } from '../model.ts';
import { formatDate } from '../model.ts';
import { labelsFor, langIfOther, type Labels } from './labels.ts';
import { esc, rootOf } from './escape.ts';
import { feedLinksHtml, page } from './layout.ts';

const OUTBOUND = 'rel="noopener noreferrer"';

/** A date in the labels' words, marked with their language when the text around (`around`) is in another. */
function time(iso: string, t: Labels, around: string): string {
  // Date words inside right-to-left text keep their own order.
  return `<time datetime="${esc(iso)}" dir="ltr"${langIfOther(t, around, { dir: false })}>${esc(formatDate(iso, t))}</time>`;
}

function meta(a: ArticleView, t: Labels): string {
  const parts = [time(a.date, t, a.lang)];
  if (a.updated && a.updated !== a.date) {
    const mark = langIfOther(t, a.lang);
    parts.push(`${mark ? `<span${mark}>${t.updated}</span>` : t.updated} ${time(a.updated, t, a.lang)}`);
  }
  if (a.author) parts.push(esc(a.author));
  return parts.join(' · ');
}

export function articlePage(model: SiteModel, a: ArticleView): string {
  const t = labelsFor(model.site.lang);
  const r = rootOf(a.url);
  const figure = a.image
    ? `<figure><img src="${r}${esc(a.image.path)}" alt="${esc(a.image.alt)}"${a.image.width ? ` width="${a.image.width}" height="${a.image.height}"` : ''}>${a.imageCaption ? `<figcaption>${esc(a.imageCaption)}</figcaption>` : ''}</figure>\n`
    : a.imageCaption
      ? `<figure><figcaption>${esc(a.imageCaption)}</figcaption></figure>\n`
      : '';
  const tags = a.tags.length
    ? `<nav aria-label="${t.tags}"><ul class="tags">${a.tags.map((t) => `<li><a href="${r}${esc(t.url)}">${esc(t.name)}</a></li>`).join('')}</ul></nav>\n`
    : '';
  const source = a.source ? `<p class="meta"${langIfOther(t, a.lang)}>${t.originallyAt} <a href="${esc(a.source)}" ${OUTBOUND}>${esc(a.source)}</a></p>\n` : '';
  const main = `<article lang="${esc(a.lang)}" dir="${a.dir}">
<header>
<h1>${esc(a.title)}</h1>
<p class="meta">${meta(a, t)}</p>
</header>
${figure}<div class="body">
${a.html}
</div>
<footer>
${tags}${source}</footer>
</article>`;
  return page({ site: model.site, url: a.url, title: a.title, description: a.summary, feeds: model.siteFeeds, main });
}

function listItems(from: string, items: ArticleView[], t: Labels): string {
  const r = rootOf(from);
  return `<ol class="list">
${items
  .map(
    (a) => `<li lang="${esc(a.lang)}" dir="${a.dir}"><h2><a href="${r}${esc(a.url)}">${esc(a.title)}</a></h2>
<p class="meta">${meta(a, t)}</p>${a.summary ? `\n<p>${esc(a.summary)}</p>` : ''}</li>`,
  )
  .join('\n')}
</ol>`;
}

/** The dates an archive page covers, oldest first: "13 August 2015 – 2 September 2015". */
function rangeText(from: string, to: string, t: Labels): string {
  const a = formatDate(from, t);
  const b = formatDate(to, t);
  return a === b ? a : `${a} – ${b}`;
}

function rangeHtml(from: string, to: string, t: Labels, around: string): string {
  return formatDate(from, t) === formatDate(to, t) ? time(from, t, around) : `${time(from, t, around)} – ${time(to, t, around)}`;
}

/**
 * A list page. Nothing here may depend on the length of the list or its number of pages:
 * archive pages must keep their bytes when newer articles are added (see paginate()).
 */
export function listPage(model: SiteModel, list: ListPage): string {
  const t = labelsFor(model.site.lang);
  // The page is in the site's language; samizdat's own words are marked when they are not.
  const m = langIfOther(t, model.site.lang);
  const r = rootOf(list.url);
  const archive = list.archive;
  const ownHeading = !(list.kind === 'home' && !archive);
  const heading = ownHeading ? list.heading : model.site.title;
  const range = archive ? `<p class="meta">${rangeHtml(archive.from, archive.to, t, model.site.lang)}</p>\n` : '';
  const intro = list.kind === 'home' && model.site.description && !archive ? `<p>${esc(model.site.description)}</p>\n` : '';
  const empty = list.items.length === 0 ? `<p${m}>${t.noArticles}</p>\n` : '';
  const pager =
    list.prevUrl || list.nextUrl
      ? `<nav class="pager" aria-label="${t.pagesNav}"${m}>${list.prevUrl ? `<a href="${r}${list.prevUrl}" rel="prev">${t.newer}</a>` : '<span></span>'}${list.nextUrl ? `<a href="${r}${list.nextUrl}" rel="next">${t.older}</a>` : '<span></span>'}</nav>\n`
      : '';
  const feeds = list.kind === 'lang' ? `<p class="meta"${m}>${t.feedsInLanguage} ${feedLinksHtml(r, list.feeds)}</p>\n` : '';
  const main = `<h1${ownHeading ? m : ''}>${esc(heading)}</h1>
${range}${intro}${feeds}${empty}${listItems(list.url, list.items, t)}
${pager}`;
  return page({
    site: model.site,
    url: list.url,
    title: archive ? `${heading}, ${rangeText(archive.from, archive.to, t)}` : heading,
    ...(list.kind === 'lang' && list.lang ? { feeds: { ...list.feeds, title: `${model.site.title} (${list.lang})` } } : { feeds: model.siteFeeds }),
    main,
  });
}

export function indexPage(model: SiteModel, index: IndexPage): string {
  const t = labelsFor(model.site.lang);
  const m = langIfOther(t, model.site.lang);
  const r = rootOf(index.url);
  const main = `<h1${m}>${esc(index.heading)}</h1>
${index.entries.length === 0 ? `<p${m}>${t.nothingYet}</p>\n` : ''}<ul>
${index.entries.map((e) => `<li${e.lang ? ` lang="${esc(e.lang)}"` : ''}><a href="${r}${esc(e.url)}">${esc(e.label)}</a> <span class="meta">(${e.count})</span></li>`).join('\n')}
</ul>`;
  return page({ site: model.site, url: index.url, title: index.heading, feeds: model.siteFeeds, main });
}

/**
 * Served by hosts for any missing path, so its relative links only work from the root; the
 * text says where to go without them.
 */
export function notFoundPage(model: SiteModel): string {
  const t = labelsFor(model.site.lang);
  const m = langIfOther(t, model.site.lang);
  const main = `<h1${m}>${t.notFoundTitle}</h1>
<p${m}>${t.notFoundText}</p>
<p${m}>${t.notFoundLinks('index.html', 'mirrors/index.html')}</p>`;
  return page({ site: model.site, url: '404.html', title: t.notFoundTitle, main });
}
