/**
 * The page shell every HTML page shares: CSP, referrer policy, onion-location, the inline
 * stylesheet, landmarks and a skip link. Links are written relative to the page (`root`).
 */
import type { SiteSettings } from '../../config/site.ts';
import { textDirection } from '../../content/lang.ts';
import { feedLinks, type FeedLinks } from '../model.ts';
import { esc, rootOf } from './escape.ts';
import { labelsFor, langIfOther } from './labels.ts';
import { STYLESHEET } from './style.ts';

/** No scripts, nothing from outside the bundle, no forms, no base, no plugins. */
export const CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

export interface PageShell {
  site: SiteSettings;
  /** The page's own bundle path ("articles/2015/08/x/index.html"). */
  url: string;
  title: string;
  /** Page language; the site's when not given. */
  lang?: string;
  description?: string;
  /** Feed links for <link rel="alternate">, bundle paths. */
  feeds?: { atom: string; rss: string; json: string; title?: string };
  main: string;
}

export function page(p: PageShell): string {
  const r = rootOf(p.url);
  const lang = p.lang ?? p.site.lang;
  // samizdat's own words, in the site's language when it has them; marked when not the page's.
  const t = labelsFor(p.site.lang);
  const m = langIfOther(t, lang);
  const title = p.title === p.site.title ? p.site.title : `${p.title} · ${p.site.title}`;
  const feedTitle = p.feeds?.title ?? p.site.title;
  return `<!DOCTYPE html>
<html lang="${esc(lang)}" dir="${textDirection(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
${p.site.onion ? `<meta http-equiv="onion-location" content="${esc(onionFor(p.site.onion, p.url))}">\n` : ''}<title>${esc(title)}</title>
${p.description ? `<meta name="description" content="${esc(p.description)}">\n` : ''}${
    p.feeds
      ? `<link rel="alternate" type="application/atom+xml" title="${esc(feedTitle)} (Atom)" href="${r}${p.feeds.atom}">
<link rel="alternate" type="application/rss+xml" title="${esc(feedTitle)} (RSS)" href="${r}${p.feeds.rss}">
<link rel="alternate" type="application/feed+json" title="${esc(feedTitle)} (JSON Feed)" href="${r}${p.feeds.json}">
`
      : ''
  }<style>${STYLESHEET}</style>
</head>
<body>
<a class="skip" href="#main"${m}>${t.skip}</a>
<header class="site">
<a class="name" href="${r}index.html">${esc(p.site.title)}</a>
<nav aria-label="${t.siteNav}"${m}><ul>
<li><a href="${r}index.html">${t.latest}</a></li>
<li><a href="${r}archive/index.html">${t.archive}</a></li>
<li><a href="${r}tags/index.html">${t.tags}</a></li>
<li><a href="${r}lang/index.html">${t.languages}</a></li>
<li><a href="${r}mirrors/index.html">${t.mirrors}</a></li>
</ul></nav>
</header>
<main id="main">
${p.main}
</main>
<footer class="site">
<p${m}>${t.footer(`${r}mirrors/index.html`, feedLinksHtml(r))}</p>
</footer>
</body>
</html>
`;
}

/** "Atom, RSS, JSON Feed" linked to a set of feeds (default: the site's), relative to the page (`r`). */
export function feedLinksHtml(r: string, feeds: FeedLinks = feedLinks('')): string {
  return `<a href="${r}${feeds.atom}">Atom</a>, <a href="${r}${feeds.rss}">RSS</a>, <a href="${r}${feeds.json}">JSON Feed</a>`;
}

/** The same page on the onion mirror. */
function onionFor(onion: string, url: string): string {
  return onion.replace(/\/?$/, '/') + url;
}
