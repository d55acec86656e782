// The articles a rebuild parses and renders early, on its scan thread (src/build/prescan.ts,
// prescan-worker.ts, early-parse.ts, src/content/recent.ts): what the build takes from there is
// exactly what parsing and rendering it in the build's own thread gives, and whatever the thread
// could not or should not answer (edited since, problems, another site language, too late) ends
// exactly as it does without the thread. The threads run from src/ through tsx here, which is slow
// to start: the build's wait for them is lengthened, except where the test is about that wait.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, type BuildResult } from '../../src/build/index.ts';
import { parseEarly } from '../../src/build/early-parse.ts';
import { earlyParse, prestartScans, takePrestartedContentScan, takePrestartedEarlyParses, takePrestartedScan } from '../../src/build/prescan.ts';
import type { ParsedAndRendered } from '../../src/build/parse-render-worker.ts';
import { renderArticle } from '../../src/build/render.ts';
import { loadContent, type LoadedContent } from '../../src/content/index.ts';
import { parseArticle } from '../../src/content/parse.ts';
import { changedSince, readRecentMark, RECENT_FILE } from '../../src/content/recent.ts';
import { scanContent, stampAt, stampOf } from '../../src/content/scan.ts';
import { main } from '../../src/cli/main.ts';
import { InputError } from '../../src/errors.ts';
import { fixtureFiles, readTree, writeFixture } from './fixture.ts';
import { tempDir } from '../support/net.ts';

let work: { dir: string; cleanup: () => Promise<void> };
let n = 0;

beforeAll(async () => {
  work = await tempDir('samizdat-early-');
});
afterAll(async () => work?.cleanup());
afterEach(() => {
  earlyParse.waitMs = 60_000;
});
earlyParse.waitMs = 60_000;

/** A new article with what rendering and parsing can add: an image, tags, a warning, Cyrillic. */
const NEW_ARTICLE = `---
title: Новая статья о выборах
date: 2024-04-02
tags: [Выборы, Politics]
image: ../media/pic.png
image_alt: A picture
mood: calm
---
Text with <b>bold</b>, [a link](https://example.org/x) and ![here](../media/pic.png).

![missing](../media/nowhere.png)
`;

/** A site folder of its own: content (the fixture), an output folder, a cache. */
async function site(): Promise<{ content: string; out: string; cache: string; mirrors: string }> {
  const dir = path.join(work.dir, `site-${n++}`);
  const s = { content: path.join(dir, 'content'), out: path.join(dir, 'out'), cache: path.join(dir, 'cache'), mirrors: path.join(dir, 'no-mirrors') };
  await writeFixture(s.content, fixtureFiles());
  return s;
}

type Site = Awaited<ReturnType<typeof site>>;

const build = (s: Site) => buildSite({ contentDir: s.content, outDir: s.out, cacheDir: s.cache, mirrorsDir: s.mirrors, env: {}, threads: false });

/** What the CLI does: the scans (and early parses) start, then the build. */
async function cliBuild(s: Site): Promise<BuildResult> {
  prestartScans({ contentDir: s.content, outDir: s.out, cacheDir: s.cache });
  try {
    return await build(s);
  } finally {
    // A build that failed before taking them leaves nothing for the next test.
    takePrestartedContentScan(s.content);
    takePrestartedScan(s.out);
    takePrestartedEarlyParses(s.content);
  }
}

/** A loaded content as plain data: bodies, problems (class, code, message, line, hint) and all. */
function outcome(c: LoadedContent) {
  return {
    articles: c.articles.map((a) => ({ ...a, body: a.body })),
    invalid: c.invalid.map((i) => ({ file: i.file, problems: i.problems.map((p) => ({ isInputError: p instanceof InputError, code: p.code, message: p.message, file: p.file, line: p.line, hint: p.hint })) })),
    drafts: c.drafts,
    warnings: c.warnings,
  };
}

/** Loads s.content as a rebuild's load does after prestartScans, with the thread's scan and early parses. */
async function loadWithThread(s: Site, siteLang = 'en', scan?: ReturnType<typeof scanContent>) {
  const early = takePrestartedEarlyParses(s.content);
  const prescanned = takePrestartedContentScan(s.content);
  takePrestartedScan(s.out);
  expect(early).toBeDefined();
  return loadContent(s.content, { siteLang, cacheDir: s.cache, scan: scan ? Promise.resolve(scan) : prescanned!, early: early!, threads: false });
}

/** The same content parsed in this thread with no cache, scan or thread at all. */
const loadPlain = (s: Site, siteLang = 'en') => loadContent(s.content, { siteLang, threads: false });

/** A first load (fills the cache and writes its mark) and an output folder, so that prestartScans starts. */
async function primed(): Promise<Site> {
  const s = await site();
  await loadContent(s.content, { siteLang: 'en', cacheDir: s.cache, threads: false });
  await mkdir(s.out, { recursive: true });
  return s;
}

describe('the content cache\'s mark (content.recent)', () => {
  it('holds the site language and the newest change time of the files cached; files changed since are listed, at most max of them', async () => {
    const s = await primed();
    const mark = readRecentMark(s.cache)!;
    expect(mark.siteLang).toBe('en');
    const scan = scanContent(s.content);
    const ctimes = scan.files.map((f) => statSync(path.join(s.content, f)).ctimeMs);
    expect(mark.ctimeMs).toBeCloseTo(Math.max(...ctimes), 3);
    expect(changedSince(scan, mark, 16)).toEqual([]);
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(path.join(s.content, 'en', 'new.md'), NEW_ARTICLE);
    await writeFile(path.join(s.content, 'en', 'new2.md'), NEW_ARTICLE.replace('2024-04-02', '2024-04-03'));
    const later = scanContent(s.content);
    expect(changedSince(later, mark, 16).map((c) => c.file)).toEqual(['en/new.md', 'en/new2.md']);
    expect(changedSince(later, mark, 16)[0]!.stamp).toEqual(stampAt(later, later.files.indexOf('en/new.md')));
    expect(changedSince(later, mark, 1)).toEqual([]); // more than max: a checkout, not a guess
    // A damaged mark is no mark.
    await writeFile(path.join(s.cache, RECENT_FILE), '{"siteLang":"en"');
    expect(readRecentMark(s.cache)).toBeUndefined();
  });
});

describe('parsing and rendering early', () => {
  it('the thread\'s answer is what parsing and rendering here gives (article, warnings, HTML, media), and the load takes it', async () => {
    const s = await primed();
    await writeFile(path.join(s.content, 'en', 'new.md'), NEW_ARTICLE);
    const stamp = stampOf(statSync(path.join(s.content, 'en', 'new.md')));
    const ctx = { file: 'en/new.md', sourcePath: path.join(s.content, 'en', 'new.md'), siteLang: 'en' };
    const here = parseArticle(readFileSync(ctx.sourcePath), ctx);
    const rendered = await renderArticle(here.article!, s.content);
    expect(here.warnings.map((w) => w.code)).toEqual(['UNKNOWN_FIELD']);
    expect(rendered.warnings.map((w) => w.code)).toEqual(['IMAGE_MISSING']);
    expect(rendered.media).toHaveLength(1);

    prestartScans({ contentDir: s.content, outDir: s.out, cacheDir: s.cache });
    const early = takePrestartedEarlyParses(s.content)!;
    const notHere = () => Promise.reject(new Error('parsed here, not on the thread'));
    const { more, ...parsedThere } = (await early(ctx, stamp, notHere))!;
    expect(parsedThere).toEqual(here);
    // The rendering comes after the parse, asked for when the build gets to it.
    const answer = (await more!()) as ParsedAndRendered;
    expect(answer).toEqual({ ...here, rendered });
    expect(answer.rendered!.html).toBe(rendered.html);
    expect(earlyParse.stats.renders).toBeGreaterThan(0);
    // Once: a second ask is parsed here.
    expect(await early(ctx, stamp, notHere)).toBeUndefined();
    takePrestartedContentScan(s.content);
    takePrestartedScan(s.out);

    // Through the load: the file is parsed once, early, and the outcome is the plain one.
    const t = await primed();
    await writeFile(path.join(t.content, 'en', 'new.md'), NEW_ARTICLE);
    prestartScans({ contentDir: t.content, outDir: t.out, cacheDir: t.cache });
    const before = { ...earlyParse.stats };
    const parsed: string[] = [];
    const withThread = await loadContent(t.content, { siteLang: 'en', cacheDir: t.cache, scan: takePrestartedContentScan(t.content)!, early: takePrestartedEarlyParses(t.content)!, threads: false, onParsed: (file, a) => parsed.push(`${file}:${'rendered' in a}`) });
    takePrestartedScan(t.out);
    expect(withThread.parsed).toBe(1);
    expect(withThread.early).toBe(1);
    expect(parsed).toEqual(['en/new.md:true']);
    expect(earlyParse.stats.used).toBe(before.used + 1);
    expect(outcome(withThread)).toEqual(outcome(await loadPlain(t)));
  }, 60_000);

  it('a file edited after the thread read it (its stamp is not the one the load sees) is parsed here', async () => {
    const s = await primed();
    const file = path.join(s.content, 'en', 'new.md');
    await writeFile(file, NEW_ARTICLE);
    const answered = earlyParse.stats.answered;
    prestartScans({ contentDir: s.content, outDir: s.out, cacheDir: s.cache });
    // Let the thread answer with the first version, then edit the file: the load's scan sees the
    // edit (another stamp), and the early answer, of other bytes, is not taken.
    await takePrestartedContentScan(s.content);
    while (earlyParse.stats.answered === answered) await new Promise((r) => setTimeout(r, 10));
    await writeFile(file, NEW_ARTICLE.replace('Новая статья о выборах', 'Edited title, longer than before'));
    const loaded = await loadWithThread(s, 'en', scanContent(s.content));
    expect(loaded.early).toBe(0);
    expect(loaded.articles.find((a) => a.file === 'en/new.md')!.title).toBe('Edited title, longer than before');
    expect(outcome(loaded)).toEqual(outcome(await loadPlain(s)));
  }, 60_000);

  it('a file edited after the scan but before the thread reads it: the thread answers nothing for it', async () => {
    const s = await site();
    const file = path.join(s.content, 'en', 'new.md');
    await writeFile(file, NEW_ARTICLE);
    const stamp = stampOf(statSync(file));
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(file, NEW_ARTICLE.replace('Новая статья о выборах', 'Edited title, longer than before'));
    const ctx = { file: 'en/new.md', sourcePath: file, siteLang: 'en' };
    expect(parseEarly(ctx, stamp)).toBeNull();
    expect(parseEarly(ctx, stampOf(statSync(file)))!.article!.title).toBe('Edited title, longer than before');
  });

  it('a file with problems: the thread answers nothing, and the load reports the very problems parsing here reports', async () => {
    const s = await primed();
    await writeFile(path.join(s.content, 'en', 'bad.md'), '---\ntitle: [unclosed\ndate: 2024-13-45\n---\nText.\n');
    await writeFile(path.join(s.content, 'en', 'untitled.md'), '---\ndate: 2024-13-45\n---\nText.\n');
    const before = { ...earlyParse.stats };
    prestartScans({ contentDir: s.content, outDir: s.out, cacheDir: s.cache });
    const loaded = await loadWithThread(s);
    expect(earlyParse.stats.listed).toBe(before.listed + 2);
    expect(earlyParse.stats.answered).toBe(before.answered);
    expect(loaded.early).toBe(0);
    expect(loaded.parsed).toBe(2);
    expect(outcome(loaded).invalid.map((i) => i.file)).toEqual(['en/bad.md', 'en/untitled.md']);
    expect(outcome(loaded)).toEqual(outcome(await loadPlain(s)));
  }, 60_000);

  it('a draft: parsed early, and it ends as a draft with the same warnings', async () => {
    const s = await primed();
    await writeFile(path.join(s.content, 'en', 'draft.md'), '---\ntitle: Not yet\ndate: 2024-05-01\ndraft: true\nmood: unsure\n---\nText.\n');
    prestartScans({ contentDir: s.content, outDir: s.out, cacheDir: s.cache });
    const loaded = await loadWithThread(s);
    expect(loaded.early).toBe(1);
    expect(loaded.drafts).toEqual(['en/draft.md']);
    expect(outcome(loaded)).toEqual(outcome(await loadPlain(s)));
  }, 60_000);

  it('another site language than the cache was made for: nothing early is taken, every file is parsed here for the new one', async () => {
    const s = await primed();
    await writeFile(path.join(s.content, 'en', 'new.md'), NEW_ARTICLE);
    prestartScans({ contentDir: s.content, outDir: s.out, cacheDir: s.cache });
    const before = { ...earlyParse.stats };
    const loaded = await loadWithThread(s, 'de');
    expect(earlyParse.stats.listed).toBe(before.listed + 1); // parsed there for "en"…
    expect(loaded.early).toBe(0); // …and not taken
    expect(loaded.parsed).toBe(loaded.articles.length + loaded.invalid.length + loaded.drafts.length);
    expect(loaded.articles.find((a) => a.file === 'en/new.md')!.lang).toBe('de');
    expect(outcome(loaded)).toEqual(outcome(await loadPlain(s, 'de')));
  }, 60_000);

  it('an answer later than the wait: the load parses here too and takes the first answer, with the same outcome', async () => {
    const s = await primed();
    await writeFile(path.join(s.content, 'en', 'new.md'), NEW_ARTICLE);
    earlyParse.waitMs = 0;
    const before = { ...earlyParse.stats };
    prestartScans({ contentDir: s.content, outDir: s.out, cacheDir: s.cache });
    const loaded = await loadWithThread(s);
    expect(earlyParse.stats.late).toBe(before.late + 1);
    // Here, parsing in this thread (its code loaded already) wins over the thread's start through tsx.
    expect(loaded.early).toBe(0);
    expect(earlyParse.stats.used).toBe(before.used);
    expect(loaded.parsed).toBe(1);
    expect(outcome(loaded)).toEqual(outcome(await loadPlain(s)));
  }, 60_000);

  it('a rendering later than the wait: the load ends with the parse alone (the build renders the article itself)', async () => {
    const s = await primed();
    await writeFile(path.join(s.content, 'en', 'new.md'), NEW_ARTICLE);
    const before = { ...earlyParse.stats };
    prestartScans({ contentDir: s.content, outDir: s.out, cacheDir: s.cache });
    const early = takePrestartedEarlyParses(s.content)!;
    const answers: Array<[string, boolean]> = [];
    const loaded = await loadContent(s.content, {
      siteLang: 'en',
      cacheDir: s.cache,
      scan: takePrestartedContentScan(s.content)!,
      // The parse in time, the rendering not: the thread loads the renderer only after the parse.
      early: async (ctx, stamp, parseHere) => {
        const answer = await early(ctx, stamp, parseHere);
        earlyParse.waitMs = 0;
        return answer;
      },
      onParsed: (file, answer) => answers.push([file, 'rendered' in answer]),
      threads: false,
    });
    takePrestartedScan(s.out);
    expect(loaded.early).toBe(1);
    expect(earlyParse.stats.lateRenders).toBe(before.lateRenders + 1);
    expect(answers).toEqual([['en/new.md', false]]);
    expect(outcome(loaded)).toEqual(outcome(await loadPlain(s)));
  }, 60_000);

  it('a late answer that comes first is taken, and the parse here is dropped', async () => {
    const s = await primed();
    await writeFile(path.join(s.content, 'en', 'new.md'), NEW_ARTICLE);
    earlyParse.waitMs = 0;
    const before = { ...earlyParse.stats };
    prestartScans({ contentDir: s.content, outDir: s.out, cacheDir: s.cache });
    // A parse here that never ends: only the thread's answer can end the wait.
    const early = takePrestartedEarlyParses(s.content)!;
    const scan = (await takePrestartedContentScan(s.content))!;
    takePrestartedScan(s.out);
    const i = scan.files.indexOf('en/new.md');
    const ctx = { file: 'en/new.md', sourcePath: path.join(s.content, 'en', 'new.md'), siteLang: 'en' };
    const answer = await early(ctx, stampAt(scan, i)!, () => new Promise(() => {}));
    expect(earlyParse.stats.late).toBe(before.late + 1);
    expect(earlyParse.stats.used).toBe(before.used + 1);
    expect(answer!.article!.title).toBe('Новая статья о выборах');
  }, 60_000);
});

describe('a rebuild with its scan thread', () => {
  let early: Site;
  let plain: Site;

  beforeAll(async () => {
    // Two copies of one site, each built once (cache, mark, output), then given one new article.
    early = await site();
    plain = await site();
    for (const s of [early, plain]) await build(s);
  }, 120_000);

  it('one new article: parsed and rendered on the thread, and the bundle is byte for byte the one built without it', async () => {
    for (const s of [early, plain]) await writeFile(path.join(s.content, 'en', 'new.md'), NEW_ARTICLE);
    const before = { ...earlyParse.stats };
    const a = await cliBuild(early);
    const b = await build(plain);
    expect(earlyParse.stats.used).toBe(before.used + 1);
    expect(a.rendered).toMatchObject({ fresh: 1, withParsing: 1 });
    expect(b.rendered).toMatchObject({ fresh: 1, withParsing: 0 });
    expect(a.warnings).toEqual(b.warnings);
    expect(a.warnings.map((w) => `${w.file}:${w.code}`)).toEqual(expect.arrayContaining(['en/new.md:UNKNOWN_FIELD', 'en/new.md:IMAGE_MISSING']));
    expect(a.skipped).toEqual(b.skipped);
    expect(a.drafts).toEqual(b.drafts);
    const [ta, tb] = [await readTree(early.out), await readTree(plain.out)];
    expect([...ta.keys()]).toEqual([...tb.keys()]);
    for (const [rel, bytes] of ta) expect(bytes.equals(tb.get(rel)!), rel).toBe(true);
    const page = [...ta.keys()].find((rel) => rel.startsWith('articles/2024/04/'))!;
    expect(ta.get(page)!.toString('utf8')).toContain('Новая статья о выборах');
  }, 120_000);

  it('no change: the thread parses nothing, and the build renders nothing', async () => {
    const before = { ...earlyParse.stats };
    const a = await cliBuild(early);
    expect(earlyParse.stats.listed).toBe(before.listed);
    expect(a.rendered).toMatchObject({ fresh: 0, withParsing: 0 });
  }, 120_000);

  it('an invalid new article: the build fails with the very problems it reports without the thread', async () => {
    for (const s of [early, plain]) await writeFile(path.join(s.content, 'en', 'broken.md'), '---\ntitle: Broken\ndate: 2024-02-30\n---\nText.\n');
    const failure = async (run: () => Promise<unknown>) => {
      const err = (await run().then(() => undefined, (e: unknown) => e)) as { message: string; problems: InputError[] };
      expect(err).toBeDefined();
      return { message: err.message, problems: err.problems.map((p) => ({ code: p.code, message: p.message, file: p.file, line: p.line, hint: p.hint })) };
    };
    const a = await failure(() => cliBuild(early));
    expect(a.problems.map((p) => p.code)).toEqual(['INVALID_DATE']);
    expect(a).toEqual(await failure(() => build(plain)));
    for (const s of [early, plain]) await rm(path.join(s.content, 'en', 'broken.md'));
  }, 120_000);
});

describe('the build command', () => {
  it('starts the thread with the cache folder the build uses (the default one): a new article is parsed and rendered there', async () => {
    const root = path.join(work.dir, 'cli');
    await writeFixture(path.join(root, 'content'), fixtureFiles());
    let stdout = '';
    const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => true }, env: {} as NodeJS.ProcessEnv, cwd: root };
    const run = async () => {
      stdout = '';
      expect(await main(['build', '--json'], io)).toBe(0);
      return JSON.parse(stdout) as { rendered: BuildResult['rendered']; warnings: unknown[] };
    };
    await run();
    expect(readRecentMark(path.join(root, '.samizdat', 'build'))?.siteLang).toBe('en');
    await writeFile(path.join(root, 'content', 'en', 'new.md'), NEW_ARTICLE);
    const before = { ...earlyParse.stats };
    const second = await run();
    expect(earlyParse.stats.used).toBe(before.used + 1);
    expect(second.rendered).toMatchObject({ fresh: 1, withParsing: 1 });
    const third = await run(); // nothing changed
    expect(earlyParse.stats.listed).toBe(before.listed + 1);
    expect(third.rendered).toMatchObject({ fresh: 0, withParsing: 0 });
  }, 120_000);
});
