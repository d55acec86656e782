// The thread of ./prescan.ts: scans the folders it is given, the content folder first, and posts
// each result as soon as it has it. With a cache folder, between the two scans, it parses and
// renders the articles changed since the content cache's last save (../content/recent.ts), so
// that the build's thread neither loads nor runs that code for them.
import { setPriority } from 'node:os';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { readRecentMark, changedSince } from '../content/recent.ts';
import type { Article } from '../content/article.ts';
import { scanContent, type ContentScan } from '../content/scan.ts';
import { scanOutputs } from './output-scan.ts';
import type { PrescanMessage } from './prescan.ts';

/** At most this many files are parsed here: more is a checkout or an upgrade, which the build parses its own way. */
const EARLY_PARSE_MAX = 16;

const { contentDir, outDir, cacheDir } = workerData as { contentDir?: string; outDir?: string; cacheDir?: string };
const post = (m: PrescanMessage) => parentPort!.postMessage(m);

async function parseAndRenderEarly(scan: ContentScan | null, contentDir: string, cacheDir: string): Promise<void> {
  const mark = scan ? readRecentMark(cacheDir) : undefined;
  const changed = scan && mark ? changedSince(scan, mark, EARLY_PARSE_MAX) : [];
  // The source path exactly as the build makes it (src/content/index.ts).
  const prefix = path.join(contentDir, '_').slice(0, -1);
  const files = changed.map(({ file, stamp }) => ({ file, stamp, sourcePath: prefix + (path.sep === '/' ? file : file.split('/').join(path.sep)) }));
  post({ early: files.length ? { siteLang: mark!.siteLang, files } : null });
  if (!files.length) return;
  // Each file parsed here gets exactly one rendering message; the others none.
  const toRender: Array<{ file: string; article?: Article }> = [];
  let next = 0;
  try {
    const { parseEarly, renderEarly } = await import('./early-parse.ts');
    for (; next < files.length; next++) {
      const { file, sourcePath, stamp } = files[next]!;
      const answer = parseEarly({ file, sourcePath, siteLang: mark!.siteLang }, stamp);
      post({ parsed: { file, answer } });
      if (answer) toRender.push({ file, ...(answer.article!.draft ? {} : { article: answer.article! }) });
    }
    // The parses first: the build needs them before the renderings.
    while (toRender.length) {
      const { file, article } = toRender[0]!;
      post({ rendered: { file, rendered: article ? await renderEarly(article, contentDir) : null } });
      toRender.shift();
    }
  } catch {
    // The build parses and renders the rest itself.
    for (; next < files.length; next++) post({ parsed: { file: files[next]!.file, answer: null } });
    for (const { file } of toRender) post({ rendered: { file, rendered: null } });
  }
}

if (contentDir !== undefined) {
  let scan = null;
  try {
    scan = scanContent(contentDir);
  } catch {
    // The build scans again in its own thread, and reports what is wrong.
  }
  post({ content: scan });
  if (cacheDir !== undefined) await parseAndRenderEarly(scan, contentDir, cacheDir);
}
if (outDir !== undefined) {
  // The build wants the output scan last (after its audit): on two cores, the scan should take
  // what the build's own thread leaves, not a core from it. On Linux a priority is per thread.
  if (process.platform === 'linux') {
    try {
      setPriority(10);
    } catch {
      // Not allowed: the scan runs at the build's priority.
    }
  }
  post({ outputs: scanOutputs(outDir) ?? null });
}
