// Which languages a bundle is in: from the manifest when the build names them, otherwise from
// the pages themselves: the home page's <html lang> first, then every language that a `lang`
// attribute on any element names (articles in other languages carry their own), most pages first.
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import type { Manifest } from '../manifest/types.ts';

/** Pages are read up to this many bytes: articles name their language near the top. */
const READ_LIMIT = 64 * 1024;

// One buffer for every page, and synchronous reads: thousands of small reads through the
// thread pool cost more than the reading itself.
const headBuffer = Buffer.alloc(READ_LIMIT);

function readHead(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    return headBuffer.subarray(0, readSync(fd, headBuffer, 0, READ_LIMIT, 0));
  } finally {
    closeSync(fd);
  }
}

const LANG_ATTR = Buffer.from('lang=');

/**
 * Every base language named by a lang attribute in the page, and the <html> element's, found
 * with byte searches: decoding every page to a string costs more than reading it.
 */
function pageLanguagesInBytes(bytes: Buffer): { html: string | undefined; all: Set<string> } {
  const all = new Set<string>();
  let html: string | undefined;
  for (let i = bytes.indexOf(LANG_ATTR); i >= 0; i = bytes.indexOf(LANG_ATTR, i + LANG_ATTR.length)) {
    const tagStart = bytes.lastIndexOf(0x3c /* < */, i);
    if (tagStart < 0 || bytes.lastIndexOf(0x3e /* > */, i) > tagStart) continue; // not inside a tag
    const window = bytes.toString('latin1', tagStart, Math.min(bytes.length, i + 40));
    const lang = /^<[A-Za-z][A-Za-z0-9]*\b[^>]*?\blang\s*=\s*["']?([A-Za-z]{2,3})(?![A-Za-z])/.exec(window)?.[1]?.toLowerCase();
    if (!lang) continue;
    all.add(lang);
    if (html === undefined && /^<html\b/i.test(window)) html = lang;
  }
  return { html, all };
}

/** The bundle's languages, the home page's first, then by number of pages (ties by code). */
export async function bundleLanguages(siteDir: string, manifest: Manifest): Promise<string[]> {
  if (manifest.languages?.length) return manifest.languages;
  const pages = manifest.files.filter((f) => /\.x?html?$/i.test(f.path));
  const counts = new Map<string, number>();
  let home: string | undefined;
  for (let i = 0; i < pages.length; i++) {
    const f = pages[i]!;
    const found = pageLanguagesInBytes(readHead(path.join(siteDir, f.path)));
    if (f.path === 'index.html') home = found.html;
    for (const l of found.all) counts.set(l, (counts.get(l) ?? 0) + 1);
    if (i % 500 === 499) await new Promise((r) => setImmediate(r)); // let timers and signals run
  }
  return [...counts.keys()].sort((a, b) => {
    if (a === home) return -1;
    if (b === home) return 1;
    return counts.get(b)! - counts.get(a)! || (a < b ? -1 : 1);
  });
}
