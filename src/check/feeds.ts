// Do a mirror's feeds still parse? Feed readers fetch from outside the censored country, so a
// broken feed silently cuts off every subscriber of that mirror.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SaxesParser } from 'saxes';

export interface FeedCheck {
  path: string;
  ok: boolean;
  /** Entries found (items / entries), when it parsed. */
  entries?: number;
  error?: string;
}

/** The site-wide feeds a bundle has at its root (per-language feeds share their code). */
export const ROOT_FEEDS = ['atom.xml', 'rss.xml', 'feed.json'] as const;

/** Parses one feed's text: strict XML for Atom/RSS, JSON Feed 1.1 shape for .json. */
export function parseFeed(name: string, text: string): { entries: number } {
  if (name.endsWith('.json')) {
    const doc = JSON.parse(text) as { version?: unknown; items?: unknown };
    if (typeof doc.version !== 'string' || !doc.version.startsWith('https://jsonfeed.org/version/')) throw new Error('not a JSON Feed: no "version"');
    if (!Array.isArray(doc.items)) throw new Error('not a JSON Feed: no "items" list');
    return { entries: doc.items.length };
  }
  const parser = new SaxesParser({ xmlns: true });
  let root: string | undefined;
  let entries = 0;
  let failure: Error | undefined;
  parser.on('error', (e) => {
    failure ??= e;
  });
  parser.on('opentag', (tag) => {
    root ??= tag.local;
    if (tag.local === 'item' || tag.local === 'entry') entries += 1;
  });
  parser.write(text).close();
  if (failure) throw new Error(`not well-formed XML: ${failure.message}`);
  if (root !== 'feed' && root !== 'rss') throw new Error(`not a feed: the root element is <${root ?? 'nothing'}>`);
  return { entries };
}

/** Fetches (or reads) each root feed of a copy and parses it. */
export async function checkFeeds(
  target: { kind: 'url'; base: URL } | { kind: 'folder'; dir: string },
  names: readonly string[],
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<FeedCheck[]> {
  return Promise.all(
    names.map(async (name): Promise<FeedCheck> => {
      try {
        let text: string;
        if (target.kind === 'folder') {
          text = await readFile(path.join(target.dir, name), 'utf8');
        } else {
          const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
          const res = await fetch(new URL(name, target.base), { signal: AbortSignal.any(signals), redirect: 'follow' });
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          text = await res.text();
        }
        return { path: name, ok: true, ...parseFeed(name, text) };
      } catch (err) {
        return { path: name, ok: false, error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
}
