// HTML into AuditDocuments with parse5, which implements the HTML standard's parsing algorithm:
// the audit sees the same elements, namespaces and attribute values a browser would build,
// including after malformed markup, foreign content (SVG, MathML) and <template>.
import { defaultTreeAdapter, type DefaultTreeAdapterMap, type TreeAdapter } from 'parse5';
import { cssReferences, cssWhere } from './css.ts';
import { parseFragmentQuick, parseQuick } from './fast-text.ts';
import { addElementReferences } from './references.ts';
import { plainHtmlDocument } from './plain-html.ts';
import type { AuditAttribute, AuditDocument, AuditElement, Namespace } from './types.ts';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];
type ParentNode = DefaultTreeAdapterMap['parentNode'];

const NAMESPACES: Record<string, Namespace> = {
  'http://www.w3.org/1999/xhtml': 'html',
  'http://www.w3.org/2000/svg': 'svg',
  'http://www.w3.org/1998/Math/MathML': 'mathml',
};

export function namespaceOf(uri: string | undefined): Namespace {
  return (uri !== undefined && NAMESPACES[uri]) || 'other';
}

export interface HtmlOptions {
  file: string;
  /** Whole page (page-level rules apply) or HTML from a feed entry or JSON field. */
  kind: 'page' | 'fragment';
  /** Bundle folder relative URLs resolve against; null when that is another host. */
  base: string | null;
  /** Line in the file where the HTML starts (for HTML inside a feed). */
  firstLine?: number;
  /**
   * Track line numbers (default true). Tracking costs about a third of the parse; the audit
   * first reads without it and reads again with it only when it has something to report.
   */
  locations?: boolean;
  /** Without line numbers, plain HTML is read without parse5 (./plain-html.ts); false: always parse5 (for tests). */
  plain?: boolean;
}

function isElement(node: Node): node is Element {
  return 'tagName' in node;
}

/** "style", "svg:style", "STYLE": the elements whose text the audit reads. */
function isStyle(node: ParentNode): boolean {
  if (!isElement(node)) return false;
  const name = node.tagName.toLowerCase();
  return name === 'style' || name.endsWith(':style');
}

/**
 * The default tree, minus the text outside style elements: the audit reads no other text, and
 * the parser never looks back at text it inserted, so the elements and attributes come out the
 * same (test/audit/html.test.ts compares both on every hostile fixture). Not for a parse with
 * locations, which looks up the text node it just inserted.
 */
const styleTextOnly: TreeAdapter<DefaultTreeAdapterMap> = {
  ...defaultTreeAdapter,
  insertText(parent, text) {
    if (isStyle(parent)) defaultTreeAdapter.insertText(parent, text);
  },
  insertTextBefore(parent, text, reference) {
    if (isStyle(parent)) defaultTreeAdapter.insertTextBefore(parent, text, reference);
  },
};

/** Reads HTML the way a browser does and lists what the rules look at. */
export function htmlDocument(html: string, options: HtmlOptions): AuditDocument {
  if (options.locations === false && options.plain !== false) {
    const plain = plainHtmlDocument(html, options);
    if (plain) return plain;
  }
  const offset = (options.firstLine ?? 1) - 1;
  const doc: AuditDocument = {
    file: options.file,
    kind: options.kind,
    elements: [],
    references: [],
    css: [],
    processingInstructions: [],
    syntaxErrors: [],
  };
  const locations = options.locations ?? true;
  const parseOptions = { sourceCodeLocationInfo: locations, scriptingEnabled: true, ...(locations ? {} : { treeAdapter: styleTextOnly }) };
  // Without line numbers, body text is read in runs (fast-text.ts): the same tree, sooner.
  const root: ParentNode = options.kind === 'page' ? parseQuick(html, parseOptions) : parseFragmentQuick(html, parseOptions);

  const visit = (parent: ParentNode, inHead: boolean) => {
    for (const node of parent.childNodes) {
      if (!isElement(node)) continue;
      const loc = node.sourceCodeLocation;
      const line = loc ? loc.startLine + offset : undefined;
      const name = node.tagName.toLowerCase();
      const attrs: AuditAttribute[] = [];
      for (const a of node.attrs) {
        const lower = a.name.toLowerCase();
        const qname = a.prefix ? `${a.prefix}:${a.name}`.toLowerCase() : lower;
        const at = loc?.attrs?.[qname] ?? loc?.attrs?.[a.name];
        attrs.push({
          name: qname,
          local: lower.includes(':') ? lower.slice(lower.lastIndexOf(':') + 1) : lower,
          value: a.value,
          line: at ? at.startLine + offset : line,
        });
      }
      const el: AuditElement = {
        name: name.includes(':') ? name.slice(name.indexOf(':') + 1) : name,
        namespace: namespaceOf(node.namespaceURI),
        attrs,
        line,
        inHead: inHead || name === 'head',
      };
      doc.elements.push(el);
      addElementReferences(el, options.base, doc.references, doc.css);
      if (el.name === 'style') {
        const text = node.childNodes.map((c) => ('value' in c && c.nodeName === '#text' ? c.value : '')).join('');
        const first = node.childNodes[0]?.sourceCodeLocation?.startLine;
        for (const c of cssReferences(text, (first ?? loc?.startLine ?? 1) + offset)) {
          doc.css.push(c);
          if (c.kind !== 'expression' && c.kind !== 'binding') {
            doc.references.push({ url: c.url, use: 'load', where: `${cssWhere(c.kind)} in <style>`, line: c.line, element: el, base: options.base });
          }
        }
      }
      visit(node, el.inHead);
      if (name === 'template' && 'content' in node) visit(node.content as ParentNode, el.inHead);
    }
  };
  visit(root, false);
  return doc;
}
