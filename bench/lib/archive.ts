/**
 * A deterministic synthetic news archive for benchmarks: Markdown articles with YAML front
 * matter, about `words` words each, alternating Latin (en) and Cyrillic (ru) text, with tags,
 * spread over years. The same options always give the same bytes.
 *
 *   await generateArchive({ dir: 'bench/.work/archive/content', count: 10_000 });
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface ArchiveOptions {
  /** Folder the articles are written into (created). */
  dir: string;
  /** Number of articles. Default 10,000. */
  count?: number;
  /** Approximate words per article. Default 1,000. */
  words?: number;
  /** PRNG seed. Default 1. */
  seed?: number;
}

const LATIN = (
  'the government minister said on thursday that talks would continue despite sharp differences over ' +
  'the future of the region officials reported new sanctions while independent journalists described ' +
  'pressure from authorities and readers asked how to reach blocked websites through mirrors and feeds ' +
  'economy inflation rouble prices election parliament court sentence protest arrest border refugees'
).split(' ');
const CYRILLIC = (
  'правительство министр заявил в четверг что переговоры продолжатся несмотря на разногласия о будущем ' +
  'региона чиновники сообщили о новых санкциях независимые журналисты рассказали о давлении властей ' +
  'читатели спрашивают как открыть заблокированные сайты через зеркала и ленты экономика инфляция рубль ' +
  'цены выборы парламент суд приговор протест арест граница беженцы'
).split(' ');
const TAGS_EN = ['politics', 'economy', 'russia', 'syria', 'ukraine', 'courts', 'elections', 'media', 'censorship', 'culture', 'business', 'energy'];
const TAGS_RU = ['политика', 'экономика', 'россия', 'суды', 'выборы', 'медиа', 'цензура', 'культура'];

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sentence(rand: () => number, words: string[], n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(words[Math.floor(rand() * words.length)]!);
  const s = out.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1) + '.';
}

/** The text of article i (front matter + body). */
export function articleText(i: number, options: { words?: number; seed?: number } = {}): { name: string; text: string } {
  const rand = prng((options.seed ?? 1) * 1_000_003 + i);
  const ru = i % 2 === 1;
  const words = ru ? CYRILLIC : LATIN;
  const tags = ru ? TAGS_RU : TAGS_EN;
  // Dates from 2010 on, about 3 articles a day, in order of i.
  const date = new Date(Date.UTC(2010, 0, 1) + Math.floor(i / 3) * 86_400_000 + (i % 3) * 3_600_000 * 5);
  const iso = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const title = `${sentence(rand, words, 6).slice(0, -1)} ${i}`;
  const picked = [...new Set([tags[Math.floor(rand() * tags.length)]!, tags[Math.floor(rand() * tags.length)]!])];
  const target = options.words ?? 1000;
  const paras: string[] = [];
  let n = 0;
  while (n < target) {
    const sentences: string[] = [];
    for (let s = 0; s < 5 && n < target; s++) {
      const len = 8 + Math.floor(rand() * 12);
      sentences.push(sentence(rand, words, len));
      n += len;
    }
    paras.push(sentences.join(' '));
  }
  if (rand() < 0.3) paras.splice(2, 0, `## ${sentence(rand, words, 4).slice(0, -1)}`);
  if (rand() < 0.3) paras.splice(4, 0, `> ${sentence(rand, words, 15)}`);
  const text = `---
title: "${title}"
date: ${iso}
lang: ${ru ? 'ru' : 'en'}
author: ${ru ? 'Редакция' : 'Staff writer'}
tags: [${picked.join(', ')}]
---
${paras.join('\n\n')}
`;
  const year = date.getUTCFullYear();
  return { name: `${year}/article-${String(i).padStart(6, '0')}.md`, text };
}

/** Writes the archive; returns the relative file names. */
export async function generateArchive(options: ArchiveOptions): Promise<string[]> {
  const count = options.count ?? 10_000;
  const names: string[] = [];
  const made = new Set<string>();
  for (let i = 0; i < count; i++) {
    const { name, text } = articleText(i, options);
    const file = path.join(options.dir, name);
    const folder = path.dirname(file);
    if (!made.has(folder)) {
      await mkdir(folder, { recursive: true });
      made.add(folder);
    }
    await writeFile(file, text);
    names.push(name);
  }
  return names;
}
