/**
 * A lean reader for the one answer list() needs: a Depth: 1 PROPFIND multistatus, reduced to
 * (decoded path, is-folder, size) per entry. The webdav client's own parser builds a full object
 * tree per response; on a bundle with 12,000 folders that parsing, not the server, was most of
 * the listing time.
 */
import { Parser } from 'htmlparser2';

export interface DavEntry {
  /** Decoded absolute path on the server, without a trailing "/". */
  path: string;
  folder: boolean;
  size: number;
  /** getlastmodified in milliseconds, NaN when absent. */
  modified: number;
}

/** The body list() sends: only the properties it reads, so servers do less work too. */
export const PROPFIND_BODY =
  '<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getcontentlength/><D:getlastmodified/></D:prop></D:propfind>';

/** "/a%20b/c/" → "/a b/c"; every segment decoded on its own, so an encoded "/" stays inside its name. */
export function decodeHrefPath(href: string, base: string): string {
  const pathname = new URL(href, base).pathname;
  return pathname
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join('/')
    .replace(/\/+$/, '');
}

/** Parses a multistatus document (any namespace prefix). `base` resolves relative hrefs. */
export function parseMultistatus(xml: string, base: string): DavEntry[] {
  const entries: DavEntry[] = [];
  let current: { href: string; folder: boolean; size: number; modified: number } | undefined;
  let text = '';
  const local = (name: string) => name.slice(name.indexOf(':') + 1).toLowerCase();
  const parser = new Parser(
    {
      onopentag(name) {
        const tag = local(name);
        text = '';
        if (tag === 'response') current = { href: '', folder: false, size: 0, modified: NaN };
        else if (tag === 'collection' && current) current.folder = true;
      },
      ontext(chunk) {
        text += chunk;
      },
      onclosetag(name) {
        const tag = local(name);
        if (!current) return;
        if (tag === 'href' && !current.href) current.href = text.trim();
        else if (tag === 'getcontentlength') current.size = Number(text.trim()) || 0;
        else if (tag === 'getlastmodified') current.modified = Date.parse(text.trim());
        else if (tag === 'response') {
          if (current.href) entries.push({ path: decodeHrefPath(current.href, base), folder: current.folder, size: current.folder ? 0 : current.size, modified: current.modified });
          current = undefined;
        }
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.write(xml);
  parser.end();
  return entries;
}
