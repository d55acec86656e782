/**
 * Markdown to sanitized HTML. Article text is data: it goes through markdown-it (raw HTML
 * allowed) and then through an allowlist sanitizer (sanitize-html), never through a template
 * engine. Remote images become plain links (loading them would expose the reader), outbound
 * links get rel="noopener noreferrer", and only http(s)/mailto/relative URLs survive.
 */
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import type { Warning } from '../progress.ts';

export interface RenderMarkdownOptions {
  /** The article file, named in warnings. */
  sourceFile: string;
  /**
   * Maps a local image reference (as written in the article) to its URL in the bundle,
   * relative to the article page. Undefined means the image is not in the bundle.
   */
  assetUrl?: (src: string) => string | undefined;
  /** Width and height of a local image (same reference as assetUrl), when known. */
  assetSize?: (src: string) => { width: number; height: number } | undefined;
  /** Line of the body's first line in sourceFile (front matter before it), for warnings. */
  lineOffset?: number;
}

export interface RenderedMarkdown {
  html: string;
  warnings: Warning[];
}

// html: true is set explicitly (Eleventy's own default differs between versions); the
// sanitizer below is what makes raw HTML safe.
const md = new MarkdownIt({ html: true, linkify: false, typographer: false, breaks: false });

/** Anything with a scheme or starting with "//" leaves the bundle. */
const ABSOLUTE_URL = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;
const REL = 'noopener noreferrer';

export const ALLOWED_TAGS = [
  'p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'code',
  'em', 'strong', 'b', 'i', 'u', 's', 'del', 'ins', 'sub', 'sup', 'small', 'mark', 'abbr',
  'cite', 'q', 'kbd', 'samp', 'var', 'dfn', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'a', 'img',
  'figure', 'figcaption', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption',
  'span', 'div', 'details', 'summary', 'time', 'bdi', 'bdo', 'ruby', 'rt', 'rp', 'wbr',
];

function sanitizerOptions(ctx: { sourceFile: string; warnings: Warning[]; lines: Map<string, number>; opts: RenderMarkdownOptions }): sanitizeHtml.IOptions {
  return {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      '*': ['lang', 'dir', 'title'],
      a: ['href', 'rel', 'hreflang'],
      img: ['src', 'alt', 'width', 'height'],
      th: ['colspan', 'rowspan', 'style', 'scope'],
      td: ['colspan', 'rowspan', 'style'],
      ol: ['start', 'reversed', 'type'],
      time: ['datetime'],
      abbr: ['title'],
    },
    // Only table cell alignment (markdown-it writes it as a style) survives of CSS.
    allowedStyles: { '*': { 'text-align': [/^(?:left|right|center)$/] } },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: [] },
    allowedSchemesAppliedToAttributes: ['href', 'src'],
    allowProtocolRelative: true,
    disallowedTagsMode: 'discard',
    enforceHtmlBoundary: false,
    parseStyleAttributes: true,
    transformTags: {
      a: (tagName, attribs) => {
        const href = attribs.href?.trim();
        const out: Record<string, string> = {};
        if (attribs.hreflang) out.hreflang = attribs.hreflang;
        if (attribs.title) out.title = attribs.title;
        if (attribs.lang) out.lang = attribs.lang;
        if (attribs.dir) out.dir = attribs.dir;
        if (href && /^\/(?!\/)/.test(href)) {
          // "/x" names the root of whatever host serves the copy: nothing there on a path
          // gateway or from file://. Keep the words, drop the link, and say so.
          ctx.warnings.push({
            code: 'ROOT_LINK',
            message: `link ${href.slice(0, 80)} points at a host's root, which does not exist on mirrors, IPFS gateways or unzipped copies: it became plain text`,
            file: ctx.sourceFile,
          });
          return { tagName: 'span', attribs: {} };
        }
        if (href) {
          // "//host/x" means "same scheme as the page": from file:// that is a broken link.
          out.href = href.startsWith('//') ? `https:${href}` : href;
          // Only for hrefs the scheme check below keeps; others lose href anyway.
          if (/^(?:https?:|mailto:)/i.test(out.href)) out.rel = REL;
        }
        return { tagName, attribs: out };
      },
      img: (tagName, attribs): sanitizeHtml.Tag => {
        const src = (attribs.src ?? '').trim();
        if (src === '' || ABSOLUTE_URL.test(src)) {
          const isHttp = /^(?:https?:)?\/\//i.test(src);
          ctx.warnings.push({
            code: isHttp ? 'REMOTE_IMAGE' : 'IMAGE_DROPPED',
            message: isHttp
              ? `remote image ${src} is not loaded by readers' browsers: it became a plain link`
              : `image ${src ? src.slice(0, 60) : '(no src)'} cannot be part of the bundle and was dropped`,
            file: ctx.sourceFile,
            ...(ctx.lines.has(src) ? { line: ctx.lines.get(src)! } : {}),
          });
          if (!isHttp) return { tagName: 'span', attribs: {}, text: attribs.alt ?? '' };
          const href = src.startsWith('//') ? `https:${src}` : src;
          return { tagName: 'a', attribs: { href, rel: REL }, text: attribs.alt || src };
        }
        const mapped = ctx.opts.assetUrl ? ctx.opts.assetUrl(src) : src;
        if (mapped === undefined) {
          ctx.warnings.push({
            code: 'IMAGE_MISSING',
            message: `image ${src} was not found next to the article: it is shown as its alt text`,
            file: ctx.sourceFile,
            ...(ctx.lines.has(src) ? { line: ctx.lines.get(src)! } : {}),
          });
          return { tagName: 'span', attribs: {}, text: attribs.alt ?? '' };
        }
        const out: Record<string, string> = { src: mapped, alt: attribs.alt ?? '' };
        const size = ctx.opts.assetSize?.(src);
        if (size) {
          out.width = String(size.width);
          out.height = String(size.height);
        }
        return { tagName, attribs: out };
      },
    },
  };
}

/** Where each image src first appears in the Markdown, for warnings with a line. */
function imageLines(tokens: ReturnType<typeof md.parse>, lineOffset: number): Map<string, number> {
  const lines = new Map<string, number>();
  for (const t of tokens) {
    if (!t.map) continue;
    const line = t.map[0] + lineOffset;
    if (t.type === 'inline') {
      for (const c of t.children ?? []) {
        const src = c.type === 'image' ? String(c.attrGet('src') ?? '') : '';
        if (src && !lines.has(src)) lines.set(src, line);
      }
    }
    const raw = t.type === 'html_block' || t.type === 'inline' ? t.content : '';
    for (const m of raw.matchAll(/<img\b[^>]*\bsrc\s*=\s*["']?([^"'\s>]+)/gi)) {
      if (!lines.has(m[1]!)) lines.set(m[1]!, line);
    }
  }
  return lines;
}

export function renderMarkdown(markdown: string, options: RenderMarkdownOptions): RenderedMarkdown {
  const warnings: Warning[] = [];
  const env = {};
  const tokens = md.parse(markdown, env);
  const rawHtml = md.renderer.render(tokens, md.options, env);
  const lines = imageLines(tokens, options.lineOffset ?? 1);
  const html = sanitizeHtml(rawHtml, sanitizerOptions({ sourceFile: options.sourceFile, warnings, lines, opts: options }));
  return { html, warnings };
}

const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&amp;': '&', '&nbsp;': ' ' };

/**
 * Plain text of a fragment this module produced (already sanitized, so tags are well formed):
 * for summaries and descriptions, which templates escape again.
 */
export function htmlToText(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(?:lt|gt|quot|#39|amp|nbsp);/g, (e) => ENTITIES[e]!)
    .replace(/\s+/g, ' ')
    .trim();
}
