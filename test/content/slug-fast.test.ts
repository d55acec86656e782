// Slugs are URLs already published: slugify must give exactly what the transliteration package
// gives, for every title. src/content/slug.ts slugifies titles made only of the characters of
// src/content/translit-table.ts with that table, without loading the package; these tests prove
// the table is the package's own, character by character, and the shortcut the package's result.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageSlug, slugify, slugOfTableCharacters, slugOfTransliterated } from '../../src/content/slug.ts';
import { TABLE_RANGES } from '../../src/content/translit-table.ts';
import { rng } from '../support/rng.ts';
import { packageTable, tableModule } from './translit-table.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Every code unit of the table's ranges. */
const TABLE_UNITS = TABLE_RANGES.flatMap((r) => r.to.map((_, i) => r.first + i));

/** slugify as it was before the shortcut: the package's slug, then samizdat's own clean-up. */
function slugifyByPackage(text: string, maxLength = 80): string {
  return slugOfTransliterated(packageSlug(text.normalize('NFC')), maxLength);
}

describe('the transliteration table', () => {
  it('is what the installed package maps each of its characters to (the module is the one its generator writes)', () => {
    for (const r of TABLE_RANGES) expect(r.to).toEqual(packageTable(r.first, r.first + r.to.length - 1));
    expect(readFileSync(path.join(ROOT, 'src/content/translit-table.ts'), 'utf8')).toBe(tableModule());
  });

  it('covers the scripts of the sites samizdat is made for', () => {
    for (const title of ['Россия и Сирия: переговоры в Москве', 'گفت‌وگو در تهران', 'محادثات في موسكو', 'שיחות במוסקבה', 'Ελληνικά νέα', 'Ça va — « déjà » l’été… “quoted” 10–12 €'])
      expect(slugOfTableCharacters(title.normalize('NFC')), title).toBeDefined();
  });
});

describe('slugs made with the table', () => {
  it('equal the package slug of every single character of the table', () => {
    for (const unit of TABLE_UNITS) {
      const c = String.fromCharCode(unit);
      expect(slugOfTableCharacters(c), `U+${unit.toString(16)}`).toBe(packageSlug(c));
    }
  });

  it('equal the package slug of every pair of characters that the slug rules treat specially, in either order', () => {
    // Letters, digits, the allowed punctuation, the characters of the "9-_" range, whitespace
    // (trimmed), characters that give nothing or several characters.
    const special = [...'aZ09-_.~:;@[]^` \t\n\u00a0\u2003\u2028/\\!?,\u00e9\u00df\u00c6\u0416\u0449\u044a\u0640\u064b\u06cc\u05d0\u03a8\u2014\u2026\u201c\u20ac\u0000\u0085\u0300'];
    for (const a of special) for (const b of special) for (const text of [a + b, `${a}x${b}`, ` ${a}${b} `]) expect(slugOfTableCharacters(text), JSON.stringify(text)).toBe(packageSlug(text));
  });

  it('equal the package slug of 30,000 random texts of table characters', () => {
    const random = rng(23);
    // Half the characters from a small set of likely ones, so that runs and edges occur often.
    const likely = [...'abc XYZ 019-_.~:@[]`\u0430\u0436\u044f\u0401 \u0627\u06cc \u05d0 \u2014\u00ab\u00bb\u2019'].map((c) => c.charCodeAt(0));
    for (let n = 0; n < 30_000; n++) {
      let text = '';
      const length = 1 + Math.floor(random() * 40);
      for (let i = 0; i < length; i++) {
        const pool = random() < 0.5 ? likely : TABLE_UNITS;
        text += String.fromCharCode(pool[Math.floor(random() * pool.length)]!);
      }
      expect(slugOfTableCharacters(text), JSON.stringify(text)).toBe(packageSlug(text));
      expect(slugify(text), JSON.stringify(text)).toBe(slugifyByPackage(text));
    }
  });

  it('are not made for a text with any other character: the package slugifies it (CJK spacing, surrogate pairs)', () => {
    for (const title of ['中文标题 and Latin', 'Привет 世界', 'emoji 🎉 party', 'Ｆｕｌｌｗｉｄｔｈ', '\ud800 lone surrogate', '한국어 제목']) {
      expect(slugOfTableCharacters(title), title).toBeUndefined();
      expect(slugify(title), title).toBe(slugifyByPackage(title));
    }
    // The package puts a space between CJK characters and what follows: a table lookup alone would not.
    expect(slugify('中文标题')).toBe(slugifyByPackage('中文标题'));
    expect(slugify('中文标题')).toBe('zhong-wen-biao-ti');
  });

  it('give the slugs published so far', () => {
    expect(slugify('Россия и Сирия: переговоры в Москве')).toBe('rossiya-i-siriya-peregovory-v-moskve');
    expect(slugify('Ленты протест беженцы новых разногласия зеркала 10001')).toBe('lenty-protest-bezhency-novyh-raznoglasiya-zerkala-10001');
    expect(slugify("Russia's Foreign Minister — Talks!")).toBe('russia-s-foreign-minister-talks');
    expect(slugify('گفت‌وگو در تهران')).toBe(slugifyByPackage('گفت‌وگو در تهران'));
  });
});

describe('loading', () => {
  it('a slug of table characters does not load the package; another title does', () => {
    const script = `
      import { createRequire } from 'node:module';
      const { slugify } = await import(${JSON.stringify(path.join(ROOT, 'src/content/slug.ts'))});
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes('transliteration'));
      const before = [slugify('Привет, мир'), loaded()];
      const after = [slugify('中文'), loaded()];
      console.log(JSON.stringify([before, after]));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([
      ['privet-mir', false],
      ['zhong-wen', true],
    ]);
  });
});
