/**
 * Article HTML to Markdown with turndown: ATX headings, "-" lists, fenced code, quotes, links,
 * and figures as an image followed by its caption in italics. Images come out as placeholders
 * (`@@samizdat-media-N@@`) that are filled in once we know whether the image could be saved.
 */
import TurndownService from 'turndown';

export const MEDIA_ATTR = 'data-samizdat-media';
export const mediaToken = (n: number): string => `@@samizdat-media-${n}@@`;
export const MEDIA_TOKEN = /@@samizdat-media-(\d+)@@/g;

export function createTurndown(): TurndownService {
  const td = new TurndownService({
    headingStyle: 'atx',
    hr: '---',
    bulletListMarker: '-',
    codeBlockStyle: 'fenced',
    emDelimiter: '_',
    strongDelimiter: '**',
    linkStyle: 'inlined',
  });
  td.remove(['script', 'style', 'noscript', 'iframe', 'form', 'button', 'input', 'select', 'textarea', 'canvas', 'object', 'embed', 'template', 'link', 'meta']);
  td.remove((node) => node.nodeName.toLowerCase() === 'svg');
  td.addRule('samizdat-media', {
    filter: (node) => node.nodeName === 'IMG',
    replacement: (_content, node) => {
      const n = (node as HTMLElement).getAttribute(MEDIA_ATTR);
      return n === null ? '' : mediaToken(Number(n));
    },
  });
  td.addRule('figure', {
    filter: 'figure',
    replacement: (content) => `\n\n${content.trim()}\n\n`,
  });
  td.addRule('figcaption', {
    filter: 'figcaption',
    replacement: (content) => {
      const text = content.trim().replace(/\n+/g, ' ');
      return text ? `\n_${text}_\n` : '';
    },
  });
  // Tables stay HTML (the build sanitises raw HTML through its allowlist).
  td.keep(['table']);
  return td;
}

/** Markdown from prepared article HTML (an element whose children are the article). */
export function toMarkdown(container: HTMLElement): string {
  return createTurndown()
    .turndown(container)
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
