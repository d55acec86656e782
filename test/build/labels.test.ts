/**
 * The words samizdat puts on pages follow the site's language: Russian for a Russian site (its
 * readers are the ones who need the mirrors page), English otherwise, and then marked lang="en"
 * so that a screen reader does not read them with the page's voice. Dates inside an article in
 * another language carry the language of their words.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite } from '../../src/build/index.ts';
import { auditBundle } from '../../src/audit/index.ts';
import { tempDir } from '../support/net.ts';
import { fixtureFiles, writeFixture } from './fixture.ts';

let work: { dir: string; cleanup: () => Promise<void> };

async function siteIn(lang: string): Promise<(rel: string) => Promise<string>> {
  const content = path.join(work.dir, `content-${lang}`);
  const out = path.join(work.dir, `out-${lang}`);
  const files = fixtureFiles();
  files['site.yaml'] = `${String(files['site.yaml']).replace('lang: en', `lang: ${lang}`)}contacts:\n  - label: Telegram-Kanal\n    url: https://t.me/example\n`;
  await writeFixture(content, files);
  await buildSite({ contentDir: content, outDir: out, cacheDir: false, mirrorsDir: path.join(work.dir, 'none'), env: {} });
  expect(await auditBundle(out)).toEqual([]);
  return (rel) => readFile(path.join(out, rel), 'utf8');
}

beforeAll(async () => {
  work = await tempDir('samizdat-labels-');
});
afterAll(async () => work?.cleanup());

describe('page words', () => {
  it('are Russian on a Russian site, with Russian dates, headings and mirrors page', async () => {
    const read = await siteIn('ru');
    const home = await read('index.html');
    expect(home).toContain('<html lang="ru" dir="ltr">');
    expect(home).toContain('<a class="skip" href="#main">Перейти к содержанию</a>');
    expect(home).toContain('<a href="mirrors/index.html">Зеркала</a>');
    expect(home).toContain('Если этот сайт у вас заблокирован');
    expect(home).not.toMatch(/Skip to content|Latest|If this site is blocked/);
    // A Farsi article on a Russian site: its dates are in Russian words, marked as such.
    expect(await read('articles/2024/03/salam-donya/index.html')).toContain('<time datetime="2024-03-01T00:00:00Z" dir="ltr" lang="ru">1 марта 2024</time>');
    // An article in the site's language (the default): no mark needed.
    expect(await read('articles/2024/01/first-article/index.html')).toContain('<time datetime="2024-01-05T00:00:00Z" dir="ltr">5 января 2024</time>');
    expect(await read('archive/index.html')).toMatch(/>Январь 2024<\/a>/);
    expect(await read('archive/2024/01/index.html')).toContain('<h1>Статьи за январь 2024</h1>');
    expect(await read('tags/politics/index.html')).toContain('<h1>Статьи по теме «Politics»</h1>');
    const mirrors = await read('mirrors/index.html');
    expect(mirrors).toContain('<h2 id="blocked">Если заблокировано всё</h2>');
    expect(mirrors).toContain('Подпишитесь на ленту');
    expect(mirrors).not.toContain(' lang="en"');
    expect(await read('404.html')).toContain('<h1>Страница не найдена</h1>');
  }, 60_000);

  it('stay English on a site in a language samizdat has no words for, marked lang="en"', async () => {
    const read = await siteIn('de');
    const home = await read('index.html');
    expect(home).toContain('<html lang="de" dir="ltr">');
    expect(home).toContain('<a class="skip" href="#main" lang="en">Skip to content</a>');
    expect(home).toContain('<nav aria-label="Site" lang="en">');
    expect(home).toMatch(/<footer class="site">\n<p lang="en">If this site is blocked for you/);
    expect(await read('archive/index.html')).toContain('<h1 lang="en">Archive</h1>');
    const mirrors = await read('mirrors/index.html');
    expect(mirrors).toContain('<h1 lang="en">Mirrors: other ways to read');
    expect(mirrors).toContain('<section aria-labelledby="blocked" lang="en">');
    // Contact labels are the site's own words: only their heading is marked.
    expect(mirrors).toContain('<section aria-labelledby="contacts">\n<h2 id="contacts" lang="en">Other channels</h2>');
    expect(await read('404.html')).toContain('<h1 lang="en">Page not found</h1>');
  }, 60_000);

  it('are marked left to right as well on a right-to-left site', async () => {
    const read = await siteIn('fa');
    const home = await read('index.html');
    expect(home).toContain('<html lang="fa" dir="rtl">');
    expect(home).toContain('<a class="skip" href="#main" lang="en" dir="ltr">Skip to content</a>');
    expect(home).toContain('<nav aria-label="Site" lang="en" dir="ltr">');
    // Dates already read left to right: one dir only.
    expect(home).toContain('<time datetime="2024-03-01T00:00:00Z" dir="ltr" lang="en">1 March 2024</time>');
    expect(home).not.toMatch(/dir="ltr"[^>]*dir=/);
  }, 60_000);

  it('are English, unmarked, on an English site, with dates in other languages\' articles marked', async () => {
    const read = await siteIn('en');
    const home = await read('index.html');
    expect(home).toContain('<a class="skip" href="#main">Skip to content</a>');
    expect(await read('articles/2024/01/first-article/index.html')).toContain('<time datetime="2024-01-05T00:00:00Z" dir="ltr">5 January 2024</time>');
    expect(await read('archive/2024/02/index.html')).toContain('<time datetime="2024-02-01T00:00:00Z" dir="ltr" lang="en">1 February 2024</time>');
  }, 60_000);
});
