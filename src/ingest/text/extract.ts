/**
 * A story from plain text (what "select all, copy" of a web page gives): the headline, the
 * body paragraphs in order, a photo caption, and whatever date and byline the text shows;
 * every other line is page furniture and is dropped, with the reason recorded.
 */
import { InputError } from '../../errors.ts';
import { guessLang } from '../lang.ts';
import { CAPTION_RULES } from './captions.ts';
import { bylineAuthor, dateLine } from './dates.ts';
import { emptyRules, type PublisherRules } from './publisher-rules.ts';
import { GENERIC_RULES, insideQuotes, onlyTokens, type FurnitureRule } from './rules.ts';

export interface DroppedLine {
  text: string;
  /** A rule name ("donation-appeal"), "publisher:drop", "before-headline", "related-list"… */
  reason: string;
}

export interface TextExtraction {
  title: string;
  paragraphs: string[];
  caption?: string;
  /** "YYYY-MM-DD" or ISO with time and zone, when the text shows one. */
  date?: string;
  updated?: string;
  author?: string;
  tags?: string[];
  /** Guessed from the script when nothing else says. */
  lang?: string;
  dropped: DroppedLine[];
}

/** Clean text of a copied page into its lines (one paragraph each). */
export function splitLines(text: string): string[] {
  const clean = text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    // Control characters and invisible marks, but not ZWNJ/ZWJ (Persian spelling needs them).
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b\u2060\ufeff]/g, '')
    .replace(/[\u00a0\u2000-\u200a\u202f\u205f\u3000]/g, ' ');
  const out: string[] = [];
  for (const block of clean.split(/\n[ \t]*\n/)) {
    const lines = block.split('\n').map((l) => l.replace(/[ \t]+/g, ' ').trim()).filter(Boolean);
    for (const [i, line] of lines.entries()) {
      const prev = out.length ? out[out.length - 1]! : undefined;
      // Hard-wrapped prose: a long line cut mid-sentence continues with a lowercase word.
      if (prev !== undefined && i > 0 && prev.length >= 50 && !/[.!?:;…"»”)\]]$/u.test(prev) && /^\p{Ll}/u.test(line)) {
        out[out.length - 1] = `${prev} ${line}`;
      } else out.push(line);
    }
  }
  return out;
}

interface Verdict {
  reason?: string;
  category?: string;
  startsList?: boolean;
}

function judge(line: string, rules: readonly FurnitureRule[], tokenSets: Map<string, Set<string>>, publisher: PublisherRules): Verdict {
  if (publisher.keep.some((re) => re.test(line))) return {};
  if (publisher.drop.some((re) => re.test(line))) return { reason: 'publisher:drop', category: 'publisher' };
  for (const rule of rules) {
    if (rule.maxLength !== undefined && line.length > rule.maxLength) continue;
    const tokens = tokenSets.get(rule.name);
    const hit =
      rule.patterns.some((re) => {
        const m = re.exec(line);
        return m !== null && !insideQuotes(line, m.index);
      }) || (tokens !== undefined && onlyTokens(line, tokens));
    if (hit) return { reason: rule.name, category: rule.category, ...(rule.startsList ? { startsList: true } : {}) };
  }
  return {};
}

/** Looks like a headline: a few words, no final full stop. */
function headlineShaped(line: string): boolean {
  if (line.length < 12 || line.length > 250) return false;
  if (line.split(/\s+/).length < 3) return false;
  return !/[.:;,]$/u.test(line) || /\.\.\.$|…$/u.test(line);
}

/** Items of a related-stories list: short, and not a finished sentence. */
function listShaped(line: string): boolean {
  return line.length <= 160 && !/[.!?:;"»”]$/u.test(line);
}

const TAGS_LINE = /^\s*(?:tags|topics|теги|метки|темы|برچسب‌ها|برچسب ها|کلیدواژه‌ها|الوسوم|كلمات مفتاحية)\s*[:：]\s*(.+)$/iu;

export function extractText(text: string, options: { rules?: PublisherRules; where?: string } = {}): TextExtraction {
  const publisher = options.rules ?? emptyRules();
  const where = options.where ?? 'the text';
  const rules = GENERIC_RULES.filter((r) => !publisher.disable.has(r.name));
  const tokenSets = new Map(rules.filter((r) => r.tokens).map((r) => [r.name, new Set(r.tokens!.map((t) => t.toLowerCase()))]));
  const lines = splitLines(text);
  const dropped: DroppedLine[] = [];
  const verdicts: Verdict[] = lines.map((l) => judge(l, rules, tokenSets, publisher));

  // Publisher "dropFrom": the rest of the page is furniture.
  const cut = lines.findIndex((l) => !publisher.keep.some((re) => re.test(l)) && publisher.dropFrom.some((re) => re.test(l)));
  if (cut >= 0) for (let i = cut; i < lines.length; i++) verdicts[i] = { reason: 'publisher:dropFrom', category: 'publisher' };

  // Related-story lists: the short lines after a "Read more" heading.
  for (let i = 0; i < lines.length; i++) {
    if (!verdicts[i]!.startsList) continue;
    for (let j = i + 1; j < lines.length && !verdicts[j]!.reason && listShaped(lines[j]!); j++) verdicts[j] = { reason: 'related-list', category: 'related' };
  }
  // A fragment (short, no full stop) between two furniture lines belongs to them ("$2 $5 $10 Other").
  for (let i = 1; i < lines.length - 1; i++) {
    const line = lines[i]!;
    const fragment = line.length <= 80 && !/[.!?…"»”]$/u.test(line);
    if (!verdicts[i]!.reason && verdicts[i - 1]!.reason && verdicts[i + 1]!.reason && fragment && !publisher.keep.some((re) => re.test(line))) {
      verdicts[i] = { reason: 'inside-furniture', category: verdicts[i - 1]!.category! };
    }
  }

  let title: string | undefined;
  let caption: string | undefined;
  let date: string | undefined;
  let updated: string | undefined;
  let author: string | undefined;
  let tags: string[] | undefined;
  const paragraphs: string[] = [];
  const captionRules = CAPTION_RULES;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const verdict = verdicts[i]!;
    if (verdict.reason) {
      dropped.push({ text: line, reason: verdict.reason });
      continue;
    }
    const dl = dateLine(line);
    if (dl) {
      if (dl.updated) updated ??= dl.date;
      else date ??= dl.date;
      dropped.push({ text: line, reason: dl.updated ? 'updated-date' : 'date' });
      continue;
    }
    const tagMatch = TAGS_LINE.exec(line);
    if (tagMatch && line.length <= 300) {
      tags ??= tagMatch[1]!.split(/\s*[,;،|•]\s*/u).map((t) => t.trim()).filter(Boolean);
      dropped.push({ text: line, reason: 'tags' });
      continue;
    }
    const inHead = title !== undefined && paragraphs.length === 0;
    const byline = title === undefined || inHead ? bylineAuthor(line) : undefined;
    if (byline) {
      author ??= byline;
      dropped.push({ text: line, reason: 'byline' });
      continue;
    }
    const isCaption =
      publisher.caption.some((re) => re.test(line)) ||
      captionRules.some((r) => line.length <= r.maxLength && (r.where === 'anywhere' || inHead) && r.pattern.test(line));
    if (title === undefined) {
      if (!isCaption && headlineShaped(line)) title = line;
      else dropped.push({ text: line, reason: 'before-headline' });
      continue;
    }
    if (isCaption) {
      if (caption === undefined) caption = line;
      else dropped.push({ text: line, reason: 'another-caption' });
      continue;
    }
    paragraphs.push(line);
  }

  if (title === undefined) {
    throw new InputError('INGEST_NO_HEADLINE', `no headline found in ${where}`, {
      hint: 'Put the headline on a line of its own above the story (a few words, no full stop at the end).',
    });
  }
  if (paragraphs.length === 0) {
    throw new InputError('INGEST_NO_ARTICLE', `no article text found in ${where} (a headline "${title}" but no paragraphs under it)`, {
      hint: 'Check that the copy contains the story itself, not only the page around it.',
    });
  }
  const lang = guessLang(`${title}\n${paragraphs.join('\n')}`);
  return {
    title,
    paragraphs,
    ...(caption !== undefined ? { caption } : {}),
    ...(date !== undefined ? { date } : {}),
    ...(updated !== undefined ? { updated } : {}),
    ...(author !== undefined ? { author } : {}),
    ...(tags !== undefined ? { tags } : {}),
    ...(lang !== undefined ? { lang } : {}),
    dropped,
  };
}
