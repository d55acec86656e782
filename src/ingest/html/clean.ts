/**
 * Prepares article HTML for Markdown: drops furniture paragraphs (the same named rules as plain
 * text), resolves links against the page address, lists the images to save, and takes the lead
 * figure out of the body so its caption becomes `image_caption`.
 */
import type { Warning } from '../../progress.ts';
import type { MediaRef } from '../types.ts';
import { MEDIA_ATTR } from './markdown.ts';
import { emptyRules, type PublisherRules } from '../text/publisher-rules.ts';
import { GENERIC_RULES, insideQuotes, onlyTokens } from '../text/rules.ts';

export interface PrepareContext {
  /** http(s) address of the page: the base of relative links. */
  pageUrl?: string;
  /** file: URL of a saved page, for images saved beside it. */
  fileUrl?: string;
  rules?: PublisherRules;
  /** The headline, so a repeated <h1> can go. */
  title?: string;
  /** Lead image from the page's metadata (absolute URL). */
  leadImage?: string;
  leadImageAlt?: string;
  where: string;
}

export interface Prepared {
  media: MediaRef[];
  lead?: { ref: MediaRef; caption?: string };
  warnings: Warning[];
  dropped: Array<{ text: string; reason: string }>;
}

const BLOCKS = 'p, h1, h2, h3, h4, h5, h6, li, blockquote, div, section, aside';
const REMOVE = 'script, style, noscript, iframe, form, button, input, select, textarea, svg, canvas, object, embed, template, nav, footer, link, meta';

/** Where extractPage keeps an image's src as the page wrote it. */
export const RAW_SRC = 'data-samizdat-src';

const norm = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

function resolve(href: string, base: string | undefined): string | undefined {
  try {
    return new URL(href, base).href;
  } catch {
    return undefined;
  }
}

/** Best image URL of an <img>: lazy-loading attributes, then src, then the widest srcset entry. */
function imageSource(img: Element): string | undefined {
  for (const attr of ['data-src', 'data-original', 'data-lazy-src', 'data-url']) {
    const v = img.getAttribute(attr);
    if (v && !v.startsWith('data:')) return v;
  }
  const src = img.getAttribute(RAW_SRC) ?? img.getAttribute('src');
  if (src && !src.startsWith('data:')) return src;
  const srcset = img.getAttribute('srcset') ?? img.getAttribute('data-srcset');
  if (srcset) {
    const best = srcset
      .split(',')
      .map((part) => part.trim().split(/\s+/))
      .map(([url, size]) => ({ url, w: Number.parseFloat(size ?? '1') || 1 }))
      .sort((a, b) => b.w - a.w)[0];
    if (best?.url) return best.url;
  }
  return src ?? undefined;
}

function sameImage(a: string, b: string): boolean {
  const strip = (u: string) => u.replace(/[?#].*$/, '').replace(/^https?:/, '');
  return strip(a) === strip(b);
}

export function prepareArticle(container: HTMLElement, ctx: PrepareContext): Prepared {
  const rules = ctx.rules ?? emptyRules();
  const warnings: Warning[] = [];
  const dropped: Prepared['dropped'] = [];
  const media: MediaRef[] = [];
  const generic = GENERIC_RULES.filter((r) => !rules.disable.has(r.name));
  const tokenSets = new Map(generic.filter((r) => r.tokens).map((r) => [r.name, new Set(r.tokens!.map((t) => t.toLowerCase()))]));

  for (const el of [...container.querySelectorAll(REMOVE)]) el.remove();
  for (const el of [...container.querySelectorAll('[hidden], [aria-hidden="true"]')]) el.remove();

  // The headline again at the top of the body.
  const firstHeading = container.querySelector('h1, h2');
  if (firstHeading && ctx.title && norm(firstHeading.textContent) === norm(ctx.title)) firstHeading.remove();

  // Furniture: leaf-ish blocks whose whole text is an appeal, a prompt, a menu…
  const doc = container.ownerDocument;
  const all = [...container.querySelectorAll(BLOCKS)];
  let cutFrom: Element | undefined;
  for (const el of all) {
    if (!container.contains(el)) continue;
    const hasBlockChild = el.querySelector('p, div, section, ul, ol, blockquote, h1, h2, h3, h4, h5, h6, figure, table');
    if (hasBlockChild && !['LI', 'P'].includes(el.tagName)) continue;
    const line = norm(el.textContent);
    if (!line) continue;
    if (rules.keep.some((re) => re.test(line))) continue;
    if (!cutFrom && rules.dropFrom.some((re) => re.test(line))) {
      cutFrom = el;
      continue;
    }
    let reason: string | undefined = rules.drop.some((re) => re.test(line)) ? 'publisher:drop' : undefined;
    let startsList = false;
    if (!reason) {
      for (const rule of generic) {
        if (rule.maxLength !== undefined && line.length > rule.maxLength) continue;
        const tokens = tokenSets.get(rule.name);
        const hit = rule.patterns.some((re) => {
          const m = re.exec(line);
          return m !== null && !insideQuotes(line, m.index);
        }) || (tokens !== undefined && onlyTokens(line, tokens));
        if (hit) {
          reason = rule.name;
          startsList = rule.startsList === true;
          break;
        }
      }
    }
    if (!reason) continue;
    dropped.push({ text: line, reason });
    // A "Related" heading takes the list after it along.
    if (startsList) {
      let next = el.nextElementSibling;
      while (next && /^(UL|OL)$/.test(next.tagName)) {
        dropped.push({ text: norm(next.textContent), reason: 'related-list' });
        const gone = next;
        next = next.nextElementSibling;
        gone.remove();
      }
    }
    el.remove();
  }
  if (cutFrom) {
    // Everything from the cut on, in document order.
    const range = doc.createRange();
    range.setStartBefore(cutFrom);
    range.setEndAfter(container.lastChild!);
    dropped.push({ text: norm(range.toString()).slice(0, 200), reason: 'publisher:dropFrom' });
    range.deleteContents();
  }
  for (const list of [...container.querySelectorAll('ul, ol')]) if (!list.querySelector('li')) list.remove();

  // Links: absolute against the page; nothing that runs code; no dead in-page anchors.
  let unresolved = 0;
  for (const a of [...container.querySelectorAll('a')]) {
    const href = a.getAttribute('href')?.trim() ?? '';
    const resolved = href.startsWith('#') || href === '' ? undefined : /^[a-z][a-z0-9+.-]*:/i.test(href) ? href : ctx.pageUrl ? resolve(href, ctx.pageUrl) : undefined;
    if (!resolved || !/^(https?:|mailto:)/i.test(resolved)) {
      if (href && !href.startsWith('#') && !/^(javascript|vbscript|data):/i.test(href)) unresolved++;
      a.replaceWith(...a.childNodes);
      continue;
    }
    for (const attr of [...a.attributes]) if (attr.name !== 'href' && attr.name !== 'title') a.removeAttribute(attr.name);
    a.setAttribute('href', resolved);
  }
  if (unresolved) {
    warnings.push({ code: 'INGEST_RELATIVE_LINKS', message: `${ctx.where}: ${unresolved} relative link(s) were kept as plain text: the page address is unknown`, file: ctx.where });
  }

  // Images: each becomes a placeholder the media step fills in.
  for (const img of [...container.querySelectorAll('img')]) {
    const raw = imageSource(img);
    // A saved page's relative images are looked for beside the file first, then on the web.
    const relative = raw !== undefined && !/^[a-z][a-z0-9+.-]*:|^\/\//i.test(raw);
    const url = raw ? resolve(raw, relative && ctx.fileUrl ? ctx.fileUrl : ctx.pageUrl ?? ctx.fileUrl) : undefined;
    const fallbackUrl = raw && relative && ctx.fileUrl && ctx.pageUrl ? resolve(raw, ctx.pageUrl) : undefined;
    if (!url || !/^(https?|file):/.test(url)) {
      img.remove();
      continue;
    }
    const ref: MediaRef = { url, ...(fallbackUrl ? { fallbackUrl } : {}), placeholder: String(media.length), alt: norm(img.getAttribute('alt')) };
    media.push(ref);
    img.setAttribute(MEDIA_ATTR, ref.placeholder);
  }

  // Lead figure: the first thing in the article, or the image the metadata names.
  let lead: Prepared['lead'];
  const firstImg = container.querySelector(`img[${MEDIA_ATTR}]`);
  if (firstImg) {
    const ref = media[Number(firstImg.getAttribute(MEDIA_ATTR))]!;
    const figure = firstImg.closest('figure');
    const holder = figure ?? firstImg;
    const textBefore = textBeforeNode(container, holder);
    if (textBefore.length < 40 || (ctx.leadImage && (sameImage(ctx.leadImage, ref.url) || (ref.fallbackUrl !== undefined && sameImage(ctx.leadImage, ref.fallbackUrl))))) {
      const caption = norm(figure?.querySelector('figcaption')?.textContent);
      lead = { ref, ...(caption ? { caption } : {}) };
      if (!ref.alt && ctx.leadImageAlt) ref.alt = ctx.leadImageAlt;
      holder.remove();
    }
  }
  if (!lead && ctx.leadImage && /^https?:/.test(ctx.leadImage)) {
    const ref: MediaRef = { url: ctx.leadImage, placeholder: String(media.length), alt: ctx.leadImageAlt ?? '' };
    media.push(ref);
    lead = { ref };
  }
  return { media, ...(lead ? { lead } : {}), warnings, dropped };
}

/** Text content that comes before `node` inside `root`. */
function textBeforeNode(root: Element, node: Element): string {
  const range = root.ownerDocument.createRange();
  range.setStart(root, 0);
  range.setEndBefore(node);
  return norm(range.toString());
}
