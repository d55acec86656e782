// A stand-in for a built site when the real build cannot run: `count` article pages of about
// the size the build writes (15-25 KB of HTML, Latin and Cyrillic), list pages, a few images,
// and a real manifest. Deterministic.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeManifest } from '../../src/manifest/index.ts';
import { articleText } from '../lib/archive.ts';

export async function writeSyntheticSite(dir: string, count: number): Promise<void> {
  const made = new Set<string>();
  const put = async (rel: string, data: string | Buffer) => {
    const file = path.join(dir, rel);
    const folder = path.dirname(file);
    if (!made.has(folder)) {
      await mkdir(folder, { recursive: true });
      made.add(folder);
    }
    await writeFile(file, data);
  };
  const shell = (lang: string, title: string, body: string) =>
    `<!DOCTYPE html>\n<html lang="${lang}"><head><meta charset="utf-8"><title>${title}</title><link rel="stylesheet" href="../../assets/site.css"></head>\n<body><header><a href="../../index.html">Home</a> <a href="../../mirrors/index.html">Mirrors</a></header>\n<main><article lang="${lang}"><h1>${title}</h1>\n${body}\n</article></main></body></html>\n`;
  for (let i = 0; i < count; i++) {
    const { text } = articleText(i);
    const lang = i % 2 ? 'ru' : 'en';
    const body = text.split('---\n')[2]!.split('\n\n').map((p) => `<p>${p}</p>`).join('\n');
    await put(`articles/${Math.floor(i / 1000)}/article-${i}/index.html`, shell(lang, `Article ${i}`, body));
  }
  for (let p = 0; p < Math.ceil(count / 20); p++) {
    const items = Array.from({ length: 20 }, (_, k) => `<li><a href="../articles/x/article-${p * 20 + k}/index.html">Article ${p * 20 + k}</a></li>`).join('\n');
    await put(`page/${p}/index.html`, shell('en', `Page ${p}`, `<ul>${items}</ul>`));
  }
  await put('index.html', shell('en', 'Home', '<p>Latest news</p>'));
  await put('assets/site.css', 'body{font-family:serif;max-width:40em;margin:auto}\n'.repeat(20));
  for (let m = 0; m < 20; m++) {
    const img = Buffer.alloc(60_000);
    for (let b = 0; b < img.length; b++) img[b] = (b * 2654435761 + m) >>> 24;
    await put(`media/image-${m}.jpg`, img);
  }
  await writeManifest(dir, { site: 'bench', publicationDate: '2026-01-01T00:00:00Z' });
}
