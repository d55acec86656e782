// Which attributes hold URLs, and what a browser does with each: load it at once, follow it
// when the reader clicks, or neither. One table for HTML, SVG and MathML, whatever document
// (page, SVG file, feed entry) the element is in.
import { cssReferences, cssWhere } from './css.ts';
import { srcsetUrls } from './srcset.ts';
import type { AuditElement, CssReference, UrlReference, UrlUse } from './types.ts';

/** Every attribute name that holds a URL somewhere, checked for dangerous schemes on any element. */
export const URL_ATTRIBUTES = new Set([
  'href', 'src', 'srcset', 'imagesrcset', 'poster', 'data', 'action', 'formaction', 'background', 'cite',
  'codebase', 'archive', 'classid', 'code', 'longdesc', 'lowsrc', 'dynsrc', 'profile', 'usemap', 'manifest',
  'icon', 'ping', 'itemtype', 'itemid', 'xlink:href', 'xml:base', 'xlink:arcrole', 'xlink:role', 'attributionsrc',
]);

/** HTML attributes fetched as soon as the page is shown, by element. "*" is any element. */
const HTML_LOADS: Record<string, string[]> = {
  src: ['img', 'image', 'source', 'video', 'audio', 'track', 'input', 'embed', 'iframe', 'frame', 'script'],
  srcset: ['img', 'source'],
  imagesrcset: ['link'],
  poster: ['video'],
  data: ['object'],
  codebase: ['object', 'applet'],
  archive: ['object', 'applet'],
  classid: ['object'],
  code: ['applet'],
  background: ['*'],
  lowsrc: ['img'],
  dynsrc: ['img'],
  manifest: ['html'],
  icon: ['command', 'menuitem'],
  profile: ['head'],
  // Sent when the link is followed, to wherever it says: a request the reader did not ask for.
  ping: ['a', 'area'],
  attributionsrc: ['*'],
};

const HTML_NAVIGATIONS: Record<string, string[]> = {
  href: ['a', 'area', 'base'],
  action: ['form'],
  formaction: ['button', 'input'],
};

/** rel values of <link> that do not make the browser fetch anything. */
const NON_LOADING_REL = new Set([
  'alternate', 'author', 'bookmark', 'canonical', 'external', 'help', 'license', 'me', 'next', 'prev',
  'nofollow', 'noopener', 'noreferrer', 'opener', 'tag', 'shortlink', 'first', 'last', 'up', 'index', 'start',
  'contents', 'archives', 'privacy-policy', 'terms-of-service', 'related', 'via', 'hub', 'self', 'edit',
]);

/** SVG presentation attributes whose value can be a CSS url(). */
const SVG_URL_PRESENTATION = /url\s*\(|\\/i;

function listed(table: Record<string, string[]>, attr: string, element: string): boolean {
  // Own properties only: an attribute named "constructor" or "__proto__" is just not listed.
  const names = Object.hasOwn(table, attr) ? table[attr] : undefined;
  return names !== undefined && (names.includes(element) || names.includes('*'));
}

export function attr(el: AuditElement, name: string): string | undefined {
  // A loop, not find(): rules ask this of every element of every page.
  for (const a of el.attrs) if (a.name === name) return a.value;
  return undefined;
}

function linkLoads(el: AuditElement): boolean {
  const rel = (attr(el, 'rel') ?? '').toLowerCase().split(/[\t\n\f\r ]+/).filter(Boolean);
  if (rel.length === 0) return true; // unknown intent: treat as a load
  return rel.some((r) => !NON_LOADING_REL.has(r)) || rel.includes('stylesheet');
}

/** The URL in `<meta http-equiv="refresh" content="5; url=…">`. */
export function refreshTarget(content: string): string | undefined {
  const m = /^\s*[\d.]*\s*[;,]?\s*(?:url\s*=\s*)?(.*)$/is.exec(content);
  const rest = m?.[1]?.trim();
  if (!rest) return undefined;
  return rest.replace(/^(['"])(.*)\1$/s, '$2');
}

function pushReference(refs: UrlReference[], el: AuditElement, base: string | null, url: string, use: UrlUse, where: string, line: number | undefined): void {
  refs.push({ url, use, where, line, element: el, base });
}

/** Values of SVG animation attributes that can set an href. */
const ANIMATION_VALUES = new Set(['to', 'from', 'by', 'values']);

/**
 * The URL references and CSS references of one element of HTML, SVG or MathML. `base` is the
 * bundle folder relative URLs resolve against (null: against another host).
 */
export function elementReferences(el: AuditElement, base: string | null): { refs: UrlReference[]; css: CssReference[] } {
  const refs: UrlReference[] = [];
  const css: CssReference[] = [];
  addElementReferences(el, base, refs, css);
  return { refs, css };
}

/** elementReferences, appending to the document's own lists: this runs for every element of every page. */
export function addElementReferences(el: AuditElement, base: string | null, refs: UrlReference[], css: CssReference[]): void {
  if (el.attrs.length === 0) return;
  const animation = el.name === 'set' || el.name.startsWith('animate');
  for (const a of el.attrs) {
    // Most attributes (class, id, lang …) hold no URL and no CSS: skip them before building a message.
    if (
      !URL_ATTRIBUTES.has(a.name) &&
      a.local !== 'href' &&
      a.name !== 'style' &&
      !(animation && ANIMATION_VALUES.has(a.local)) &&
      !(el.namespace === 'svg' && SVG_URL_PRESENTATION.test(a.value))
    ) {
      continue;
    }
    const where = `<${el.name} ${a.name}>`;
    const line = a.line ?? el.line;
    if (a.name === 'style' || (el.namespace === 'svg' && SVG_URL_PRESENTATION.test(a.value) && a.local !== 'href')) {
      for (const c of cssReferences(a.value, line ?? 1)) {
        css.push(c);
        if (c.kind !== 'expression' && c.kind !== 'binding') refs.push({ url: c.url, use: 'load', where: `${cssWhere(c.kind)} in ${where}`, line: c.line, element: el, base });
      }
      if (a.name === 'style') continue;
    }
    if (el.namespace === 'html') {
      if (a.name === 'srcset' || a.name === 'imagesrcset') {
        for (const u of srcsetUrls(a.value)) pushReference(refs, el, base, u, listed(HTML_LOADS, a.name, el.name) ? 'load' : 'other', where, line);
      } else if (a.name === 'ping') {
        for (const u of a.value.split(/[\t\n\f\r ]+/).filter(Boolean)) pushReference(refs, el, base, u, 'load', where, line);
      } else if (a.name === 'href' && el.name === 'link') {
        pushReference(refs, el, base, a.value, linkLoads(el) ? 'load' : 'other', where, line);
      } else if (listed(HTML_LOADS, a.name, el.name)) {
        pushReference(refs, el, base, a.value, 'load', where, line);
        if (el.name === 'iframe' || el.name === 'frame') pushReference(refs, el, base, a.value, 'navigation', where, line);
      } else if (listed(HTML_NAVIGATIONS, a.name, el.name)) {
        pushReference(refs, el, base, a.value, 'navigation', where, line);
      } else if (URL_ATTRIBUTES.has(a.name)) {
        pushReference(refs, el, base, a.value, 'other', where, line);
      }
    } else if (el.namespace === 'svg') {
      if (a.local === 'href') pushReference(refs, el, base, a.value, el.name === 'a' ? 'navigation' : 'load', where, line);
      else if (URL_ATTRIBUTES.has(a.name)) pushReference(refs, el, base, a.value, 'other', where, line);
    } else if (el.namespace === 'mathml') {
      if (a.local === 'href') pushReference(refs, el, base, a.value, 'navigation', where, line);
      else if (URL_ATTRIBUTES.has(a.name)) pushReference(refs, el, base, a.value, 'other', where, line);
    } else if (URL_ATTRIBUTES.has(a.name)) {
      pushReference(refs, el, base, a.value, 'other', where, line);
    }
    // SVG animation can set an href: <set attributeName="href" to="javascript:…">.
    if (animation && ANIMATION_VALUES.has(a.local)) {
      for (const v of a.value.split(';')) pushReference(refs, el, base, v, 'other', where, line);
    }
  }
  if (el.name === 'meta' && (attr(el, 'http-equiv') ?? '').trim().toLowerCase() === 'refresh') {
    const target = refreshTarget(attr(el, 'content') ?? '');
    if (target !== undefined) pushReference(refs, el, base, target, 'navigation', '<meta http-equiv="refresh">', el.line);
  }
}

/** The href pseudo-attribute of `<?xml-stylesheet type="…" href="…"?>`. */
export function processingInstructionHref(pi: { target: string; data: string }): string | undefined {
  if (pi.target.toLowerCase() !== 'xml-stylesheet') return undefined;
  const m = /(?:^|\s)href\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(pi.data);
  return m ? (m[1] ?? m[2]) : undefined;
}
