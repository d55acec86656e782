/**
 * The audit's shared model. Every parser (HTML, XML, JSON, CSS) turns a file into one or more
 * AuditDocuments; every rule looks at documents only, never at parser output, so a rule is the
 * same whether the markup came from a page, an SVG file or the HTML inside a feed entry.
 */

/** One problem found in the bundle. `file` is relative to the bundle folder, "/"-separated. */
export interface AuditFinding {
  file: string;
  line?: number;
  rule: string;
  message: string;
}

export type Namespace = 'html' | 'svg' | 'mathml' | 'other';

export interface AuditAttribute {
  /** Lowercased qualified name as written ("href", "xlink:href", "onload"). */
  name: string;
  /** Lowercased local name, without any prefix ("href" for "xlink:href"). */
  local: string;
  /** The value as the browser sees it (entities decoded by the parser). */
  value: string;
  line?: number;
}

export interface AuditElement {
  /** Lowercased local name ("script", "img", "feimage"). */
  name: string;
  namespace: Namespace;
  attrs: AuditAttribute[];
  line?: number;
  /** Inside <head> of an HTML page. */
  inHead: boolean;
}

/** How a URL is written, which decides what a browser does with it. */
export type UrlForm =
  /** "#top", or empty: the same document. */
  | 'fragment'
  /** "a/b.html", "../x.png": resolved against the document. */
  | 'relative'
  /** "/a/b.html": the host's root, which is outside the bundle on a sub-path or gateway. */
  | 'absolute-path'
  /** "//host/x": another host. */
  | 'network-path'
  /** "https://…", "mailto:…", "javascript:…". */
  | 'scheme';

/** What the browser does with a reference. */
export type UrlUse =
  /** Fetched as soon as the page is shown (img src, link stylesheet, CSS url(), SVG use). */
  | 'load'
  /** Followed when the reader acts (a href, form action, meta refresh). */
  | 'navigation'
  /** Neither, but still a URL (cite, longdesc, atom:id). */
  | 'other';

export interface UrlReference {
  /** The raw value, as the parser decoded it. */
  url: string;
  use: UrlUse;
  /** Where it came from, for messages: `<img src>`, `CSS url()`, `<?xml-stylesheet?>`. */
  where: string;
  line?: number;
  /** The element it sits on, when it is an attribute or an element's text. */
  element?: AuditElement;
  /**
   * Folder (relative to the bundle root, "" for the root, "/"-separated, no trailing slash) that
   * relative URLs resolve against, or null when they resolve against an absolute URL (xml:base
   * on another host) and so never point into the bundle.
   */
  base: string | null;
}

export interface CssReference {
  url: string;
  /** "url", "import", "image-set", "src", "expression", "binding" (-moz-binding, behavior). */
  kind: string;
  line?: number;
}

export interface AuditDocument {
  /** The file this document is in, relative to the bundle. */
  file: string;
  /**
   * 'page': a whole HTML page (page-level rules apply). 'fragment': HTML inside a feed entry or a
   * JSON field. 'xml': a feed, an SVG file. 'css': a stylesheet file. 'file': any other entry
   * of the bundle, seen by name only (see `entry`).
   */
  kind: 'page' | 'fragment' | 'xml' | 'css' | 'file';
  /** For kind 'file': what the entry is on disk. */
  entry?: 'file' | 'symlink' | 'other';
  /** Every element, in document order (template contents included). */
  elements: AuditElement[];
  /** Every URL the document refers to, from attributes, feed link elements and CSS. */
  references: UrlReference[];
  /** Every reference found in CSS (style elements, style attributes, SVG presentation attributes). */
  css: CssReference[];
  /** XML processing instructions (<?xml-stylesheet …?>). */
  processingInstructions: { target: string; data: string; line?: number }[];
  /** The text of an XML <!DOCTYPE …> declaration, when there is one. */
  doctype?: { text: string; line?: number };
  /** Syntax errors that stop the document from being read as a browser or feed reader would. */
  syntaxErrors: { message: string; line?: number }[];
  /** What the file says and shows about its character encoding (the file's first document only). */
  encoding?: {
    /** The bytes are not valid UTF-8 (or start with a UTF-16 byte order mark). */
    invalidUtf8?: boolean;
    /** encoding="…" of the XML declaration, when there is one. */
    xmlDeclared?: string;
  };
}

/** What a rule can see of the whole bundle. */
export interface BundleIndex {
  /** Every regular file, relative "/"-separated paths. */
  files: ReadonlySet<string>;
  /** Symbolic links, sockets and other entries that are neither files nor folders. */
  others?: ReadonlyMap<string, 'symlink' | 'other'>;
  /** Every folder, relative "/"-separated paths ("" is the root). */
  folders: ReadonlySet<string>;
}

/**
 * What rules may ask about the bundle: whether a path is a file or a folder. Only these
 * questions, so that an audit cache can replay them (./cache.ts).
 */
export interface BundleView {
  files: { has(path: string): boolean };
  folders: { has(path: string): boolean };
}

export interface RuleContext {
  bundle: BundleView;
  report(finding: { line?: number; message: string }): void;
}

/** One audit rule: a name, what it guarantees, and a check over one document. */
export interface AuditRule {
  name: string;
  description: string;
  check(doc: AuditDocument, ctx: RuleContext): void;
}
