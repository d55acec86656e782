/**
 * The build stage: content folder → a self-contained, JavaScript-free static site.
 *
 *   load + validate articles (src/content) → render + sanitize (markdown.ts, cached)
 *   → site model (model.ts) → Eleventy writes pages and feeds into a staging folder (a small
 *   rebuild writes its few pages from the same templates itself: write-pages.ts)
 *   → local images copied → audit (src/audit) → manifest (src/manifest) → swap into outDir.
 *
 * A failing build throws and leaves the previous output untouched.
 */
import { rmSync } from 'node:fs';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SiteSettings } from '../config/site.ts';
import { loadSiteSettingsValidated } from '../config/validated.ts';
import { loadContent, type Article } from '../content/index.ts';
import { cacheVersion as contentCacheVersion } from '../content/cache.ts';
import { AggregateInputError, InputError, SamizdatError, throwIfAborted } from '../errors.ts';
import { hashFileSync } from '../manifest/hash.ts';
import { bundleFileOrder, hashFiles, loadSigningKey, manifestFileCount, manifestListDigest, MANIFEST_FILE, SIGNATURE_FILE, writeManifest, type Manifest, type ManifestFile } from '../manifest/index.ts';
import type { ProgressCallback, Warning } from '../progress.ts';
import { AuditStream, auditBundle, indexBundle, vouchAudit, WORKER_THRESHOLD, type AuditFinding } from '../audit/index.ts';
import { RenderCache, type RenderedText } from './cache.ts';
import { preloadEleventy, runEleventy } from './eleventy.ts';
import { DIRECT_WRITE_BELOW, writePages } from './write-pages.ts';
import { ownPages, templateOutputs, type EleventyBuildData } from './templates/eleventy.ts';
import { loadMirrorsInfo } from './mirrors.ts';
import { articleView, buildModel, type ArticleView, type ListPage } from './model.ts';
import type { MediaFile, RenderedArticle } from './render.ts';
import type { ParsedAndRendered } from './parse-render-worker.ts';
import { RENDER_POOL_FROM, RenderPool } from './render-pool.ts';
import { stagingDir, swapIntoPlace } from './swap.ts';
import { OutputFolderUnreadable, OutputState } from './outputs.ts';
import { identity } from './output-scan.ts';
import { takePrestartedContentScan } from './prescan.ts';
import { PageKeys } from './page-keys.ts';
import { planFeedSplice, type FeedSplice } from './feeds/splice.ts';
import { mapLimit } from './map-limit.ts';

export type BuildStage = 'load' | 'render' | 'pages' | 'media' | 'audit' | 'manifest' | 'swap';

export type BuildProgress =
  | { type: 'stage'; stage: BuildStage }
  | { type: 'rendered'; done: number; total: number; cached: number };

export interface BuildOptions {
  contentDir: string;
  outDir: string;
  /** Folder of mirror files (mirrors/): their URLs go on the mirrors page. */
  mirrorsDir?: string;
  /** Build the valid articles and list the invalid ones instead of failing. */
  skipInvalid?: boolean;
  /** Where the render cache lives; default `<contentDir>/../.samizdat/build`. `false` turns it off. */
  cacheDir?: string | false;
  /**
   * Worker threads for rendering and auditing. Default: only when there is enough work for them
   * to pay off (a first build of a big archive). true: always (tests); false: never.
   */
  threads?: boolean;
  /** Environment: the signing key (SAMIZDAT_SIGNING_KEY / _FILE) is read from it. */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onProgress?: ProgressCallback<BuildProgress>;
}

export interface BuildResult {
  outDir: string;
  /** HTML pages written. */
  pages: number;
  /** Articles published. */
  articles: number;
  /** Bundle paths of every feed. */
  feeds: string[];
  warnings: Warning[];
  /** Articles left out by --skip-invalid, with why. */
  skipped: Array<{ file: string; problems: InputError[] }>;
  /** Drafts (draft: true) left out on purpose. */
  drafts: string[];
  manifest: Manifest;
  /** Newest article date: the publication's date. */
  publicationDate: string;
  site: SiteSettings;
  /** Fingerprint of the key that signed the manifest, when signed. */
  signer?: string;
  /**
   * Articles rendered now vs. taken from the cache; of those rendered now, how many by the
   * threads that parsed them (a big first build); article pages carried over unchanged; feed
   * entries copied from the feeds the last build wrote (feeds/splice.ts).
   */
  rendered: { fresh: number; cached: number; withParsing: number; pagesReused: number; feedEntriesReused: number };
  /** Files of the bundle written by this build; the others were carried over unchanged. */
  filesWritten: number;
  /** Files the manifest lists (manifest.files.length, without making the file objects of a spliced manifest). */
  fileCount: number;
  /** Who wrote the pages: Eleventy, or samizdat itself for a rebuild of a few files (write-pages.ts). */
  pageWriter: 'eleventy' | 'samizdat';
  /**
   * Files the audit read back and parsed after the pages were written. The others were audited
   * while being written (a big first build) or replayed from the audit cache (a rebuild).
   */
  auditRead: number;
  /** Milliseconds spent in each stage, for reports and benchmarks. */
  timings: Partial<Record<BuildStage, number>>;
}

export async function buildSite(options: BuildOptions): Promise<BuildResult> {
  try {
    return await build(options, true);
  } catch (err) {
    // The output folder could not be listed when the rebuild checked what it carries over from
    // it (removed or replaced meanwhile): nothing was changed yet, so build the bundle whole.
    if (!(err instanceof OutputFolderUnreadable)) throw err;
    return build(options, false);
  }
}

/** `incremental`: update the previous output in place where it can (false: write it whole). */
async function build(options: BuildOptions, incremental: boolean): Promise<BuildResult> {
  const { signal } = options;
  const timings: Partial<Record<BuildStage, number>> = {};
  let current: { stage: BuildStage; since: number } | undefined;
  const stageDone = () => {
    if (current) timings[current.stage] = Math.round(performance.now() - current.since);
  };
  const progress: ProgressCallback<BuildProgress> = (e) => {
    if (e.type === 'stage') {
      stageDone();
      current = { stage: e.stage, since: performance.now() };
    }
    options.onProgress?.(e);
  };
  const env = options.env ?? process.env;
  throwIfAborted(signal, 'build');
  const contentDir = path.resolve(options.contentDir);
  const outDir = path.resolve(options.outDir);
  checkFolders(contentDir, outDir);

  progress({ type: 'stage', stage: 'load' });
  const cacheDir = options.cacheDir === false ? undefined : path.resolve(options.cacheDir ?? path.join(contentDir, '..', '.samizdat', 'build'));
  const { settings: site, file: settingsFile } = await loadSiteSettingsValidated(contentDir, cacheDir);
  // What the last build left in outDir: read (and, for a big bundle, scanned on a thread of its
  // own) while the articles are loaded.
  const outputsOpening = OutputState.open(cacheDir, outDir, { incremental });
  outputsOpening.catch(() => {}); // awaited below; a build that fails before then has no use for it
  const cache = await RenderCache.open(cacheDir);
  // Nothing rendered yet: a first build, which Eleventy writes. Its modules load meanwhile.
  if (cache.empty) preloadEleventy();
  // With nothing rendered yet, the threads that parse the articles (when there are enough of
  // them to start threads) render each one as well: its text then crosses to another thread once.
  const preRendered = new Map<string, { rendered: RenderedArticle; htmlSha256?: string }>();
  const content = await loadContent(contentDir, {
    siteLang: site.lang,
    ...(signal ? { signal } : {}),
    // Each article's render key is kept in the content cache with it, not made again (RenderCache.contentKeys).
    ...(cacheDir ? { cacheDir, renderKeys: cache.contentKeys() } : {}),
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    // Stats of the articles taken on a thread while the build's modules loaded (prescan.ts).
    scan: takePrestartedContentScan(contentDir),
    ...(cache.empty
      ? {
          parseWorker: { module: new URL('./parse-render-worker.ts', import.meta.url), workerData: { contentDir, cache: cache.writer() } },
          onParsed: (file: string, answer: ParsedAndRendered) => {
            if (answer.rendered) preRendered.set(file, { rendered: answer.rendered, ...(answer.htmlSha256 ? { htmlSha256: answer.htmlSha256 } : {}) });
          },
        }
      : {}),
  });
  if (content.invalid.length && !options.skipInvalid) {
    const problems = content.invalid.flatMap((i) => i.problems);
    throw new AggregateInputError(
      `${content.invalid.length} article(s) cannot be published (${problems.length} problem(s)); nothing was built`,
      problems,
      { hint: 'Fix them, or build the others with --skip-invalid. The previous output is untouched.' },
    );
  }
  const signingKey = await loadSigningKey(env);
  const mirrors = await loadMirrorsInfo(site, {
    ...(cacheDir ? { cacheDir } : {}),
    ...(options.mirrorsDir ? { mirrorsDir: path.resolve(options.mirrorsDir) } : {}),
    ...(settingsFile ? { settingsFile } : {}),
    ...(signingKey ? { signingFingerprint: signingKey.fingerprint } : {}),
  });
  const warnings: Warning[] = [...content.warnings];
  for (const d of content.drafts) warnings.push({ code: 'DRAFT', message: 'draft: true, so it is not published', file: d });

  progress({ type: 'stage', stage: 'render' });
  const media = new Map<string, MediaFile>();
  // Articles rendered before keep only their image, media and warnings in memory; their text
  // (summary and HTML) is read back below for the pages and feeds written now.
  const texts = new Map<Article, RenderedText>();
  let withParsing = 0;
  const metas = await cache.metas(content.articles, signal);
  // Loops over every article are indexed: a rebuild runs them once, 10,000 rounds, mostly before
  // the optimizing compiler gets to them, where an iterator or a callback costs several times more.
  const toRenderAt: number[] = [];
  for (let i = 0; i < metas.length; i++) if (metas[i] === undefined) toRenderAt.push(i);
  const toRender = toRenderAt.map((i) => content.articles[i]!);
  const cached = content.articles.length - toRender.length;
  let done = cached;
  if (cached) progress({ type: 'rendered', done, total: content.articles.length, cached });
  const fresh = toRender.filter((a) => !preRendered.has(a.file)).length;
  // Thousands of articles to render (a first build): on every core.
  const pool = (options.threads ?? fresh >= RENDER_POOL_FROM) && fresh > 0 ? new RenderPool(contentDir) : undefined;
  const renderedNow = await mapLimit(toRender, pool ? 64 : 8, async (article) => {
    const early = preRendered.get(article.file);
    if (early) withParsing++;
    const rendered = early?.rendered ?? (await (pool ? pool.render(article) : renderHere(article, contentDir)));
    if (early?.htmlSha256) cache.adopt(article, rendered, early.htmlSha256);
    else {
      await cache.set(article, rendered).catch(() => {
        // A cache that cannot be written only costs time on the next build.
      });
    }
    texts.set(article, { html: rendered.html, summary: rendered.summary });
    done++;
    if (done % 500 === 0 || done === content.articles.length) progress({ type: 'rendered', done, total: content.articles.length, cached });
    return rendered;
  }, signal).finally(() => pool?.close());
  for (const [j, i] of toRenderAt.entries()) metas[i] = renderedNow[j];
  // Collected in article order, so warnings and media never depend on timing.
  const views: ArticleView[] = [];
  const articleOf = new Map<ArticleView, Article>();
  // Views whose summary comes from a text not read yet (the article has no summary of its own).
  const summaryToRead = new Set<ArticleView>();
  for (let i = 0; i < content.articles.length; i++) {
    const article = content.articles[i]!;
    const meta = metas[i]!;
    if (meta.warnings.length) warnings.push(...meta.warnings);
    for (let k = 0; k < meta.media.length; k++) {
      const m = meta.media[k]!;
      const other = media.get(m.path);
      if (other && other.source !== m.source) {
        throw new InputError('MEDIA_CLASH', `two images would be published as ${m.path}: ${other.source} and ${m.source}`, {
          file: article.file,
          hint: 'Rename one of them, or keep all images under the content folder\'s media/ folder.',
        });
      }
      media.set(m.path, m);
    }
    const text = texts.get(article);
    const view = articleView(article, { html: text?.html ?? '', summary: text?.summary ?? '', image: meta.image });
    if (!text && article.summary === undefined) summaryToRead.add(view);
    views.push(view);
    articleOf.set(view, article);
  }
  const model = buildModel(site, views);

  // What to write: everything on a first build; on a rebuild only the pages whose key changed.
  const outputs = await outputsOpening;
  const keys = await PageKeys.open(site, model.siteFeeds, await contentCacheVersion(site.lang));
  outputs.keysMadeWith(keys.salt);
  for (let i = 0; i < views.length; i++) keys.describe(views[i]!, cache.key(content.articles[i]!), metas[i]!.inputs);
  const renderArticles: ArticleView[] = [];
  for (let i = 0; i < views.length; i++) {
    const v = views[i]!;
    if (!outputs.reuse(v.url, keys.article(v))) renderArticles.push(v);
  }
  const renderLists = model.lists.filter((l) => !outputs.reuse(l.url, keys.list(l)));
  const copyMedia = [...media.values()].filter((m) => !outputs.reuse(m.path, PageKeys.media(m.source, m.stamp)));
  // Indexes, feeds and pages of their own are carried over the same way.
  const carried = new Set<string>();
  for (const i of model.indexes) if (outputs.reuse(i.url, PageKeys.page(i))) carried.add(i.url);
  for (const f of model.feeds) if (outputs.reuse(f.url, keys.feed(f))) carried.add(f.url);
  for (const p of ownPages({ model, mirrors })) if (outputs.reuse(p.url, PageKeys.page(p.inputs))) carried.add(p.url);

  // Feeds written again take the entries of articles whose pages are carried over from the feed
  // the last build wrote (as it left it), and make only the others: their texts alone are read.
  // (Only in a rebuild that writes its few files itself: Eleventy renders every feed whole.)
  const pageWriter = outputs.incremental && templateOutputs({ model, mirrors, renderArticles, renderLists, carried }).length < DIRECT_WRITE_BELOW ? 'samizdat' : 'eleventy';
  const feedSplices = new Map<string, FeedSplice>();
  let feedEntriesReused = 0;
  if (pageWriter === 'samizdat') {
    const renderedNow = new Set(renderArticles);
    for (const f of model.feeds) {
      const previous = carried.has(f.url) ? undefined : outputs.readBack(f.url);
      const splice = previous && planFeedSplice(model, f, previous, (v) => !renderedNow.has(v));
      if (splice) feedSplices.set(f.url, splice);
      feedEntriesReused += splice ? splice.reused.size : 0;
    }
  }

  /** Reads the texts the pages and feeds about to be written need (lists need their articles' summaries). */
  const loadTexts = async (articles: readonly ArticleView[], lists: readonly ListPage[]) => {
    const feedTexts = model.feeds.filter((f) => !carried.has(f.url)).flatMap((f) => feedSplices.get(f.url)?.fresh ?? f.articles);
    const needText = new Set<ArticleView>([...articles, ...feedTexts]);
    const needSummary = new Set<ArticleView>([...needText, ...lists.flatMap((l) => l.items)]);
    // A text read before for a summary only is used again for a page written now.
    const toRead = [...needSummary].filter((v) => needText.has(v) || summaryToRead.has(v) || !texts.has(articleOf.get(v)!));
    await mapLimit(toRead, 8, async (view) => {
      const article = articleOf.get(view)!;
      let text = texts.get(article) ?? cache.textSync(article);
      if (text === undefined) {
        const rendered = await renderHere(article, contentDir);
        await cache.set(article, rendered).catch(() => {});
        text = { html: rendered.html, summary: rendered.summary };
      }
      texts.set(article, text);
      if (needText.has(view)) view.html = text.html;
      if (summaryToRead.delete(view)) view.summary = text.summary;
    }, signal);
    for (const v of needSummary) {
      if ((needText.has(v) && !texts.has(articleOf.get(v)!)) || summaryToRead.has(v)) {
        throw new SamizdatError('BUILD_TEXT_MISSING', `the text of ${v.file} was not loaded before its page was written`, { hint: 'This is a bug in samizdat; delete .samizdat/build and build again, and please report it.' });
      }
    }
  };
  await loadTexts(renderArticles, renderLists);
  const staging = await stagingDir(outDir);
  const pagesData: EleventyBuildData = { model, mirrors, renderArticles, renderLists, carried, feedSplices };
  // A big full build audits pages on worker threads while Eleventy makes them, instead of reading
  // them all back afterwards. The audit below reuses a result only for the bytes on disk.
  const expected = outputs.incremental ? [] : [...templateOutputs(pagesData), ...media.keys()];
  const stream = (options.threads ?? expected.length >= WORKER_THRESHOLD) && expected.length > 0 ? AuditStream.open({ files: expected }) : undefined;
  if (stream) pagesData.onPage = (file, text) => stream.add(file, text);
  let renderCacheSaved: Promise<void> | undefined;
  try {
    progress({ type: 'stage', stage: 'pages' });
    throwIfAborted(signal, 'build');
    // A rebuild that writes a few files writes them itself (pageWriter, above); Eleventy's start-up would dominate.
    if (pageWriter === 'samizdat') await writePages(pagesData, staging, signal);
    else await runEleventy(pagesData, staging, `${staging}.work`);
    // The audit threads finish the pages they have, then read back and hash what they audited.
    const streamed = stream?.finishAndReadBack(staging);
    progress({ type: 'stage', stage: 'media' });
    const copyMediaFiles = async (files: MediaFile[]) => {
      for (const m of files.sort((a, b) => (a.path < b.path ? -1 : 1))) {
        const dest = path.join(staging, ...m.path.split('/'));
        await mkdir(path.dirname(dest), { recursive: true });
        await copyFile(m.source, dest);
      }
    };
    await copyMediaFiles(copyMedia);

    progress({ type: 'stage', stage: 'audit' });
    // The render cache is complete: written meanwhile (it holds renderings, true whatever the
    // audit finds).
    renderCacheSaved = cache.save().catch(() => {
      // A cache that cannot be written only costs time on the next build.
    });
    // Unchanged files are not parsed again: the audit cache replays their findings and link checks.
    let auditRead = 0;
    /** The audit cache state the last audit wrote (vouched for once the manifest is written). */
    let auditState: string | undefined;
    const fromStream = streamed ? await streamed : undefined;
    /** Audits the new bundle: what was staged now, plus what is carried over from outDir. */
    const audit = async () => {
      throwIfAborted(signal, 'build');
      // The staging folder is listed once, for the hashes, the manifest and the audit.
      const stagedIndex = await indexBundle(staging);
      const stagedList = bundleFileOrder(stagedIndex.files);
      const staged = new Set(stagedList);
      const bundle = new Set(staged);
      if (outputs.incremental) {
        for (let i = 0; i < views.length; i++) bundle.add(views[i]!.url);
        for (const l of model.lists) bundle.add(l.url);
        for (const m of media.keys()) bundle.add(m);
        for (const url of carried) bundle.add(url);
      }
      const locate = (rel: string) => path.join(staged.has(rel) ? staging : outDir, ...rel.split('/'));
      // Staged files are hashed once, for the audit (to replay what it already knows) and the
      // manifest: by the audit threads for the pages they audited, here for the rest.
      const stagedHashes = new Map<string, ManifestFile>();
      // Their identities too: the swap renames the staging folder, which keeps them.
      const stagedIdentities = new Map<string, string>();
      for (const rel of stagedList) {
        const onDisk = fromStream?.onDisk.get(rel);
        if (!onDisk) continue;
        stagedHashes.set(rel, { path: rel, size: onDisk.size, sha256: onDisk.sha256 });
        stagedIdentities.set(rel, identity(onDisk));
      }
      const toHash = stagedList.filter((rel) => !stagedHashes.has(rel));
      if (toHash.length < DIRECT_WRITE_BELOW) {
        // A rebuild's few files: hashed here, synchronously (each asynchronous read is a few
        // thread-pool round trips), with the stat that gives their identity.
        const buffer = Buffer.allocUnsafe(1 << 20);
        for (const rel of toHash) {
          throwIfAborted(signal, 'build');
          const h = hashFileSync(path.join(staging, ...rel.split('/')), buffer);
          stagedHashes.set(rel, { path: rel, size: h.size, sha256: h.sha256 });
          stagedIdentities.set(rel, identity(h.stat));
        }
      } else for (const f of await hashFiles(staging, toHash, signal)) stagedHashes.set(f.path, f);
      const known = (rel: string) => stagedHashes.get(rel) ?? (staged.has(rel) ? undefined : outputs.known(rel));
      const findings = await auditBundle(staging, {
        signal,
        onProgress: (e) => {
          if (e.read !== undefined) auditRead = e.read;
        },
        ...(options.threads === false ? { workers: 1 } : {}),
        ...(cacheDir ? { cacheDir: path.join(cacheDir, 'audit') } : {}),
        ...(outputs.incremental ? { overlay: { files: bundle, locate } } : { index: stagedIndex }),
        knownSha256: (rel: string) => stagedHashes.get(rel)?.sha256 ?? (staged.has(rel) ? undefined : outputs.knownSha256(rel)),
        ...(fromStream ? { prior: fromStream.results } : {}),
        // Every file not staged now is carried over from the bundle of the last manifest, as it listed it.
        ...(outputs.incremental && outputs.listDigest ? { unchangedSince: { listDigest: outputs.listDigest, changed: staged } } : {}),
        onCacheSaved: (id) => (auditState = id),
      });
      if (findings.length) throw auditError(findings, new Map(views.map((v) => [v.url, v.file])));
      return { staged, bundle, locate, known, stagedHashes, stagedIdentities };
    };
    // What the decisions above took as carried over is checked against the output folder only
    // after the audit (its scan runs meanwhile, on the second core): files changed by hand since
    // the last build are written then, and the bundle audited again with them. (A first audit
    // that read such a file and failed on it is superseded by that second one.)
    let audited: Awaited<ReturnType<typeof audit>> | undefined;
    let auditFailure: unknown;
    try {
      audited = await audit();
    } catch (err) {
      if (!outputs.incremental || !(err instanceof AggregateInputError)) throw err;
      auditFailure = err;
    }
    // The manifest of the bundle as audited, made while the output folder's scan may still run on
    // the other core (verify() waits for it): verify() finds nothing changed by hand on nearly
    // every build, and this is then the manifest. Otherwise it is made again for the bundle
    // audited again below (known() is sure only after verify(), as the audit's knownSha256 is).
    const manifestOf = (a: NonNullable<typeof audited>) =>
      writeManifest(staging, {
        site: site.name,
        publicationDate: model.publicationDate,
        ...(signingKey ? { signingKey } : {}),
        ...(signal ? { signal } : {}),
        ...(cacheDir ? { layoutFile: path.join(cacheDir, 'manifest.layout') } : {}),
        // Every file not staged now is carried over (reuse() said yes, verify() keeps it): it has
        // its record in the outputs state, which records the files of the manifest whose list
        // digest it kept. The manifest then looks only at the staged files (src/manifest/layout.ts).
        overlay: { files: a.bundle, locate: a.locate, known: a.known, changed: a.staged, ...(outputs.incremental && outputs.listDigest ? { listedBefore: outputs.listDigest } : {}) },
      });
    let manifest = audited ? await manifestOf(audited) : undefined;
    const changed = outputs.incremental ? await outputs.verify() : new Set<string>();
    const articlesAgain = views.filter((v) => changed.has(v.url));
    if (!changed.size && !audited) throw auditFailure;
    if (changed.size) {
      const lists = model.lists.filter((l) => changed.has(l.url));
      for (const url of changed) carried.delete(url);
      await loadTexts(articlesAgain, lists);
      const again = new Set(templateOutputs({ ...pagesData, renderArticles: [], renderLists: [], carried: new Set() }).filter((url) => !changed.has(url)));
      await writePages({ model, mirrors, renderArticles: articlesAgain, renderLists: lists, carried: again }, staging, signal);
      await copyMediaFiles([...media.values()].filter((m) => changed.has(m.path)));
      audited = await audit();
      manifest = await manifestOf(audited);
    }
    const { staged, bundle, stagedHashes, stagedIdentities } = audited!;

    // (Made above for the bundle audited last.)
    manifest = manifest!;

    progress({ type: 'stage', stage: 'manifest' });
    throwIfAborted(signal, 'build');
    const listDigest = manifestListDigest(manifest);
    // The audit state vouches for this bundle: the next rebuild's audit looks only at what changed.
    if (cacheDir && auditState && listDigest) {
      try {
        vouchAudit(path.join(cacheDir, 'audit'), auditState, listDigest);
      } catch {
        // Only costs time on the next build.
      }
    }

    progress({ type: 'stage', stage: 'swap' });
    if (outputs.incremental) {
      const withManifest = new Set([...staged, MANIFEST_FILE, ...(signingKey ? [SIGNATURE_FILE] : [])]);
      await outputs.apply(staging, withManifest, new Set([...bundle, ...withManifest]));
    } else {
      await swapIntoPlace(staging, outDir);
    }
    // State that cannot be written only costs time on the next build.
    await renderCacheSaved;
    if (outputs.incremental) await outputs.saveChanges(stagedHashes, bundle, stagedIdentities, manifestListDigest(manifest)).catch(() => {});
    else await outputs.save(manifest.files, stagedIdentities, manifestListDigest(manifest)).catch(() => {});
    stageDone();
    const pages = model.articles.length + model.lists.length + model.indexes.length + 2;
    return {
      outDir,
      pages,
      articles: model.articles.length,
      feeds: model.feeds.map((f) => f.url),
      warnings,
      skipped: content.invalid,
      drafts: content.drafts,
      manifest,
      publicationDate: model.publicationDate,
      site,
      ...(signingKey ? { signer: signingKey.fingerprint } : {}),
      rendered: { fresh: views.length - cached, cached, withParsing, pagesReused: views.length - renderArticles.length - articlesAgain.length, feedEntriesReused },
      filesWritten: outputs.incremental ? staged.size : manifest.files.length,
      fileCount: manifestFileCount(manifest),
      pageWriter,
      auditRead,
      timings,
    };
  } finally {
    await renderCacheSaved;
    await stream?.close();
    rmSync(staging, { recursive: true, force: true });
    rmSync(`${staging}.work`, { recursive: true, force: true });
  }
}

/** Renders in this thread, loading the Markdown renderer and sanitizer only when some article needs them. */
async function renderHere(article: Article, contentDir: string): Promise<RenderedArticle> {
  return (await import('./render.ts')).renderArticle(article, contentDir);
}

function checkFolders(contentDir: string, outDir: string): void {
  const inside = (child: string, parent: string) => child === parent || child.startsWith(parent + path.sep);
  if (inside(contentDir, outDir) || inside(outDir, contentDir)) {
    throw new InputError('OUT_DIR_OVERLAPS', `the output folder ${outDir} and the content folder ${contentDir} overlap`, {
      hint: 'Build into a folder outside the content folder, e.g. --out dist/site.',
    });
  }
  if (outDir === path.parse(outDir).root) {
    throw new InputError('OUT_DIR_ROOT', 'the output folder cannot be the root of the file system', { hint: 'Use --out dist/site.' });
  }
}

/**
 * A finding in an article's page is reported against the article file (what the operator can
 * fix), with the generated page and line in the message; others name the generated file. The
 * same finding in a feed or list that carries the article's text is listed with it, not as a
 * problem of its own: one mistake, one problem. (Only when a single article page has that exact
 * finding; otherwise each copy stays a problem naming its file.)
 */
function auditError(findings: AuditFinding[], articleOfPage: ReadonlyMap<string, string>): AggregateInputError {
  const sameFinding = (f: AuditFinding) => `${f.rule}\0${f.message}`;
  const inArticlePages = new Map<string, AuditFinding[]>();
  for (const f of findings) {
    if (articleOfPage.has(f.file)) inArticlePages.set(sameFinding(f), [...(inArticlePages.get(sameFinding(f)) ?? []), f]);
  }
  const copiesOf = new Map<AuditFinding, AuditFinding[]>();
  const folded = new Set<AuditFinding>();
  for (const f of findings) {
    const owners = articleOfPage.has(f.file) ? undefined : inArticlePages.get(sameFinding(f));
    if (owners?.length !== 1) continue;
    copiesOf.set(owners[0]!, [...(copiesOf.get(owners[0]!) ?? []), f]);
    folded.add(f);
  }
  const at = (f: AuditFinding) => `${f.file}${f.line ? ` line ${f.line}` : ''}`;
  const problems = findings
    .filter((f) => !folded.has(f))
    .map((f) => {
      const code = `AUDIT_${f.rule.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
      const article = articleOfPage.get(f.file);
      if (article) {
        const copies = copiesOf.get(f) ?? [];
        const also = copies.length ? `; the same in the copies of its text in ${copies.map(at).join(', ')}` : '';
        return new SamizdatError(code, `${f.message}, in its page ${at(f)}${also} (rule ${f.rule})`, {
          file: article,
          hint: 'Fix or remove that part of the article. A link to another article must point at its page (…/index.html) or at a full https:// address, not at its .md file.',
        });
      }
      return new SamizdatError(code, `${f.message} (rule ${f.rule})`, { file: f.file, ...(f.line ? { line: f.line } : {}) });
    });
  return new AggregateInputError(`the bundle audit found ${problems.length} problem(s); nothing was published`, problems, {
    hint: 'Problems caused by an article name the article; the others name the generated file. The previous output is untouched. If no article caused it, report it as a samizdat bug.',
  });
}

/** Reads a built bundle's file as text (for callers and tests). */
export async function readBundleFile(outDir: string, rel: string): Promise<string> {
  return readFile(path.join(outDir, ...rel.split('/')), 'utf8');
}


