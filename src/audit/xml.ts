// XML files (feeds, SVG) into AuditDocuments with saxes, a strict, namespace-aware XML parser:
// a feed or SVG that is not well-formed is itself a finding, since browsers and feed readers
// each recover from broken XML in their own way.
import type { SaxesTagNS } from 'saxes';
import { fastSaxesParser } from './fast-xml.ts';
import { namespaceOf, htmlDocument } from './html.ts';
import { addElementReferences } from './references.ts';
import { classifyUrl, folderOf, resolveRelative } from './url.ts';
import type { FragmentHook } from './fragments.ts';
import type { AuditDocument, AuditElement, UrlReference } from './types.ts';

const ATOM = 'http://www.w3.org/2005/Atom';
const RSS_CONTENT = 'http://purl.org/rss/1.0/modules/content/';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** Atom text constructs that may hold escaped HTML (type="html"). */
const ATOM_TEXT = new Set(['content', 'summary', 'title', 'subtitle', 'rights']);
/** RSS elements whose text is a link a reader follows or fetches. */
const RSS_LINK_TEXT = new Set(['link', 'comments', 'docs', 'url']);
/** Atom elements whose text is a URL. */
const ATOM_LINK_TEXT = new Set(['icon', 'logo', 'uri']);

interface Frame {
  el: AuditElement;
  /** The tag as saxes read it (a splice's context is written from its ancestors' tags). */
  tag: SaxesTagNS;
  uri: string;
  base: string | null;
  /** Set while collecting text: HTML to audit, or a URL. */
  capture?: { as: 'html' | 'url'; text: string; line: number; where: string };
}

/** The folder a base URL names, or null when it is on another host. */
function rebase(current: string | null, value: string): string | null {
  if (current === null) return null;
  const { form } = classifyUrl(value);
  if (form === 'fragment') return current;
  if (form !== 'relative') return null;
  const r = resolveRelative(current, value);
  if (!r.ok) return null;
  if (r.target === null) return current;
  return r.target.endsWith('/') ? r.target.replace(/\/+$/, '') : folderOf(r.target);
}

/**
 * Where the placeholders of a feed's skeleton (./feed-splice.ts) were met: for each, in the order
 * met, its name, whether it was an empty self-closing tag, and the tags of its ancestors.
 */
export interface PlaceholderSightings {
  /** Elements whose name starts with this are placeholders: not listed, only sighted. */
  prefix: string;
  /**
   * inCapture: its parent's text is carried HTML or a URL, which the text on both sides of it
   * (and any text of what it stands for) would be part of.
   */
  seen: Array<{ name: string; empty: boolean; inCapture: boolean; ancestors: SaxesTagNS[] }>;
  /** The version of the XML declaration, when there is one. */
  version?: string;
}

/**
 * One document for the XML itself plus one fragment document for every piece of HTML carried
 * as text (Atom type="html", RSS description and content:encoded).
 */
export function xmlDocuments(
  xml: string,
  file: string,
  options: { locations?: boolean; fragments?: FragmentHook; placeholders?: PlaceholderSightings } = {},
): AuditDocument[] {
  const placeholders = options.placeholders;
  const doc: AuditDocument = { file, kind: 'xml', elements: [], references: [], css: [], processingInstructions: [], syntaxErrors: [] };
  const fragments: AuditDocument[] = [];
  const parser = fastSaxesParser({ xmlns: true, position: true, fileName: file });
  const stack: Frame[] = [];
  let rootName: string | undefined;
  let tagLine = 1;
  const fileFolder = folderOf(file);

  parser.on('error', (err) => {
    if (doc.syntaxErrors.length < 5) doc.syntaxErrors.push({ message: err.message.replace(/^[^:]*:\d+:\d+: /, ''), line: parser.line });
  });
  parser.on('xmldecl', (decl) => {
    if (decl.encoding !== undefined) doc.encoding = { ...doc.encoding, xmlDeclared: decl.encoding };
    if (placeholders && decl.version !== undefined) placeholders.version = decl.version;
  });
  parser.on('doctype', (text) => {
    doc.doctype = { text, line: parser.line };
  });
  parser.on('processinginstruction', (pi) => doc.processingInstructions.push({ target: pi.target, data: pi.body, line: parser.line }));
  parser.on('opentagstart', () => {
    tagLine = parser.line;
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    const parent = stack[stack.length - 1];
    const uri = tag.uri ?? '';
    if (placeholders && tag.name.startsWith(placeholders.prefix)) {
      // Sighted, not listed: it stands for a piece of the feed audited on its own. Its frame
      // captures nothing (its closetag pops it).
      placeholders.seen.push({
        name: tag.name,
        empty: tag.isSelfClosing && Object.keys(tag.attributes).length === 0,
        inCapture: parent?.capture !== undefined,
        ancestors: stack.map((f) => f.tag),
      });
      stack.push({ el: { name: '', namespace: 'other', attrs: [], line: tagLine, inHead: false }, tag, uri, base: parent ? parent.base : fileFolder });
      return;
    }
    rootName ??= tag.local;
    // Plain loops over the attributes, listed once: a feed has thousands of elements.
    const attributes = Object.values(tag.attributes);
    const attrs: AuditElement['attrs'] = [];
    let xmlBase: string | undefined;
    for (const a of attributes) {
      attrs.push({ name: a.name.toLowerCase(), local: a.local.toLowerCase(), value: a.value, line: tagLine });
      if (xmlBase === undefined && a.uri === XML_NS && a.local === 'base') xmlBase = a.value;
    }
    const el: AuditElement = { name: (tag.local ?? tag.name).toLowerCase(), namespace: namespaceOf(uri), attrs, line: tagLine, inHead: false };
    const inherited = parent ? parent.base : fileFolder;
    const base = xmlBase !== undefined ? rebase(inherited, xmlBase) : inherited;
    doc.elements.push(el);
    const frame: Frame = { el, tag, uri, base };

    if (el.namespace !== 'other') {
      addElementReferences(el, base, doc.references, doc.css);
    } else {
      const typeAttr = (tag.attributes['type']?.value ?? 'text').toLowerCase();
      const local = tag.local ?? '';
      const add = (url: string, where: string, use: UrlReference['use']): void => {
        doc.references.push({ url, use, where, line: tagLine, element: el, base });
      };
      for (const a of attributes) {
        if ((a.local === 'href' || a.local === 'url' || a.local === 'src') && a.uri === '') add(a.value, `<${tag.name} ${a.name}>`, 'navigation');
        // A base is a folder, not a link: only its scheme is checked.
        else if (a.uri === XML_NS && a.local === 'base') add(a.value, `<${tag.name} xml:base>`, 'other');
      }
      if (uri === ATOM && ATOM_TEXT.has(local) && (typeAttr === 'html' || typeAttr === 'text/html')) {
        frame.capture = { as: 'html', text: '', line: tagLine, where: `<${tag.name} type="html">` };
      } else if ((uri === '' && rootName === 'rss' && local === 'description') || (uri === RSS_CONTENT && local === 'encoded')) {
        frame.capture = { as: 'html', text: '', line: tagLine, where: `<${tag.name}>` };
      } else if (
        (uri === '' && rootName === 'rss' && (RSS_LINK_TEXT.has(local) || (local === 'guid' && tag.attributes['isPermaLink']?.value !== 'false'))) ||
        (uri === ATOM && ATOM_LINK_TEXT.has(local))
      ) {
        frame.capture = { as: 'url', text: '', line: tagLine, where: `<${tag.name}>` };
      }
    }
    // saxes emits closetag for <x/> too, so every frame is popped.
    stack.push(frame);
  });
  const onText = (text: string) => {
    const top = stack[stack.length - 1];
    if (top?.capture) top.capture.text += text;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const frame = stack.pop();
    const cap = frame?.capture;
    if (!frame || !cap) return;
    if (cap.as === 'html') {
      if (options.fragments?.skip(cap.text, frame.base)) return;
      const fragment = htmlDocument(cap.text, { file, kind: 'fragment', base: frame.base, firstLine: cap.line, locations: options.locations ?? true });
      options.fragments?.parsed(fragment, cap.text, frame.base);
      fragments.push(fragment);
    } else if (cap.text.trim() !== '') {
      doc.references.push({ url: cap.text.trim(), use: 'navigation', where: cap.where, line: cap.line, element: frame.el, base: frame.base });
    }
  });
  try {
    parser.write(xml).close();
  } catch (err) {
    doc.syntaxErrors.push({ message: (err as Error).message, line: parser.line });
  }
  return [doc, ...fragments];
}
