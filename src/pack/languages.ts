// Which languages a bundle is in: from the manifest when the build names them, otherwise from
// the `lang` attribute of each page's <html> element.
import { open } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import type { Manifest } from '../manifest/types.ts';

const HTML_LANG = /<html\b[^>]*?\blang\s*=\s*["']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*)/i;

/** The `lang` of the <html> element in the first 4 KB of a page, lowercased base language. */
export function htmlLanguage(head: string): string | undefined {
  return HTML_LANG.exec(head)?.[1]?.split(/[-_]/)[0]?.toLowerCase();
}

async function readHead(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * The bundle's languages: the home page's first, then the others by number of pages (most
 * first; ties by code). Deterministic for the same files.
 */
export async function bundleLanguages(siteDir: string, manifest: Manifest): Promise<string[]> {
  if (manifest.languages?.length) return manifest.languages;
  const pages = manifest.files.filter((f) => /\.x?html?$/i.test(f.path));
  const limit = pLimit(16);
  const langs = await Promise.all(pages.map((f) => limit(async () => htmlLanguage(await readHead(path.join(siteDir, f.path))))));
  const counts = new Map<string, number>();
  langs.forEach((l) => l && counts.set(l, (counts.get(l) ?? 0) + 1));
  const home = langs[pages.findIndex((f) => f.path === 'index.html')];
  return [...counts.keys()].sort((a, b) => {
    if (a === home) return -1;
    if (b === home) return 1;
    return counts.get(b)! - counts.get(a)! || (a < b ? -1 : 1);
  });
}
