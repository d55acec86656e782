/**
 * Before anything is fetched or written: each story's date (never invented), file name and
 * slug, and what it would meet in the content folder (the same story already there, a file of
 * the same name, another story of this run with the same name).
 */
import path from 'node:path';
import { InputError, type SamizdatError } from '../errors.ts';
import { parseContentDate } from '../content/index.ts';
import { articleStem, dayOf } from './article.ts';
import { addressOf, titleKey, urlKey, type ExistingArticles } from './existing.ts';
import type { Story } from './stories.ts';
import type { IngestOptions, SkippedItem } from './types.ts';

export interface Planned {
  story: Story;
  /** "YYYY-MM-DD". */
  date: string;
  /** File name without ".md"; also names the media folder. */
  stem: string;
  slug: string;
  /** Relative to the content folder. */
  rel: string;
  replaces: boolean;
}

/** Normalises a date for front matter: a bare day stays a day; anything with a time becomes ISO UTC. */
function frontMatterDate(date: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(date)) return date;
  const d = parseContentDate(date);
  return d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : date;
}

export function planStories(
  stories: Story[],
  ctx: { existing: ExistingArticles; outDir: string; options: IngestOptions; errors: SamizdatError[]; skipped: SkippedItem[] },
): Planned[] {
  const { existing, outDir, options, errors, skipped } = ctx;
  const planned: Planned[] = [];
  const byRel = new Map<string, Planned>();
  const addresses = new Set<string>();
  for (const story of stories) {
    const a = story.article;
    if (options.lang) a.lang = options.lang;
    const date = story.feedItem ? a.date ?? options.date : options.date ?? a.date;
    if (!date) {
      const isFile = story.from !== 'feed' && !/^https?:|^-$/.test(story.origin);
      errors.push(
        new InputError('INGEST_NO_DATE', `${isFile ? '' : `${story.origin === '-' ? 'standard input' : story.origin}: `}no publication date found for "${a.title}"`, {
          ...(isFile ? { file: story.origin } : {}),
          hint: 'Give it with --date YYYY-MM-DD. Ingest never uses today\'s date: the article would then depend on the day it was ingested.',
        }),
      );
      continue;
    }
    a.date = frontMatterDate(date);
    if (a.updated) a.updated = frontMatterDate(a.updated);
    let { stem, slug } = articleStem({ date: a.date, title: a.title });
    let rel = `${stem}.md`;
    let replaces = false;
    // A feed item's guid says which story it is: two items may share a title and a day
    // ("Live updates"), and then each gets its own file rather than an error.
    const identified = story.feedItem && a.guid !== undefined;
    const bySource = a.source && story.from !== 'feed' ? existing.sources.get(urlKey(a.source)) : undefined;
    const byTitle = identified ? undefined : existing.titles.get(titleKey(a.title, a.date));
    const sameItem = (a.guid && existing.guids.get(a.guid)) || bySource || byTitle || undefined;
    // The very same file name is a clash (an error naming both files), not a quiet skip.
    if (sameItem && !options.update && sameItem !== rel) {
      // Feed items already known by guid or link were skipped earlier; this is the same story again.
      const why = bySource ? `same source URL ${a.source}` : sameItem === byTitle ? 'same title and date' : 'same guid';
      skipped.push({ source: story.origin, reason: `already ingested (${why}); add --update to replace it`, file: path.join(outDir, sameItem) });
      continue;
    }
    if (sameItem && options.update) {
      // Replace in place and keep its address: same file, same slug.
      rel = sameItem;
      stem = path.posix.basename(sameItem, '.md');
      slug = existing.slugs.get(sameItem) ?? slug;
      replaces = true;
    } else if (!identified && existing.files.has(rel)) {
      if (!options.update) {
        errors.push(
          new InputError('INGEST_CLASH', `${story.origin} would be written to ${path.join(outDir, rel)}, which already exists`, {
            file: path.join(outDir, rel),
            hint: 'Add --update to replace the existing article, or rename one of them.',
          }),
        );
        continue;
      }
      replaces = true;
    } else if (!identified && byRel.has(rel)) {
      errors.push(
        new InputError('INGEST_CLASH', `${story.origin} and ${byRel.get(rel)!.story.origin} would both be written to ${path.join(outDir, rel)} (same date and title)`, {
          hint: 'Ingest one of them alone, or change one title.',
        }),
      );
      continue;
    }
    if (!replaces) {
      // A new article needs a file and an address of its own: the build publishes one folder per
      // month and slug, so "Daily briefing" twice in August becomes daily-briefing and daily-briefing-2.
      const base = { stem, slug };
      for (let n = 2; existing.files.has(rel) || byRel.has(rel) || existing.addresses.has(addressOf(a.date, slug)) || addresses.has(addressOf(a.date, slug)); n++) {
        stem = `${base.stem}-${n}`;
        slug = `${base.slug}-${n}`;
        rel = `${stem}.md`;
      }
    }
    addresses.add(addressOf(a.date, slug));
    const p: Planned = { story, date: dayOf(a.date), stem, slug, rel, replaces };
    byRel.set(rel, p);
    planned.push(p);
  }
  return planned;
}
