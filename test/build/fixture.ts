/** Small fixture sites for the build tests, written into temp folders. */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A 2×1 PNG. */
export const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAADUlEQVR4nGP4zwAE/wEHAAH/4iOeWQAAAABJRU5ErkJggg==', 'base64');

export const HOSTILE_TITLE = 'Tom & Jerry <b>bold</b> ]]> "quoted" \u0001\u0007 end';

export function fixtureFiles(): Record<string, string | Buffer> {
  return {
    'site.yaml': 'title: "Fixture <News> & Co"\nname: fixture\nlang: en\npageSize: 2\ndnslink: news.example.org\nonion: http://abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz2345.onion/\n',
    'media/pic.png': TINY_PNG,
    'en/first.md': `---
title: First article
date: 2024-01-05
tags: [Politics, Economy]
image: ../media/pic.png
image_alt: A picture
image_caption: The caption
source: https://example.org/original
---
Literal: {{ 7 * 7 }} and {% include "secret" %} and {{ page.url }}.

[Outbound](https://example.org/page) and ![remote](https://example.org/r.png).
`,
    'en/hostile.md': `---
title: ${JSON.stringify(HOSTILE_TITLE)}
date: 2024-02-10T12:30:00+02:00
tags: [Politics]
---
Text with <b>bold</b> & ]]> and <script>alert(1)</script>.
`,
    'ru/privet.md': `---
title: Россия и Сирия
date: 2024-02-01
lang: ru
tags: [Политика]
---
Текст статьи.
`,
    'fa/salam.md': `---
title: سلام دنیا
date: 2024-03-01
lang: fa
slug: salam-donya
---
متن مقاله.
`,
  };
}

/** Writes files in the given order (the order files are created in must not matter). */
export async function writeFixture(dir: string, files: Record<string, string | Buffer>, order: 'forward' | 'reverse' = 'forward'): Promise<void> {
  const names = Object.keys(files);
  if (order === 'reverse') names.reverse();
  for (const name of names) {
    const file = path.join(dir, ...name.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, files[name]!);
  }
}

/** Every file under dir with its bytes, by "/" path. */
export async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const abs = path.join(e.parentPath, e.name);
    out.set(path.relative(dir, abs).split(path.sep).join('/'), await readFile(abs));
  }
  return out;
}
