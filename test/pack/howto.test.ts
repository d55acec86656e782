import { describe, expect, it } from 'vitest';
import { HOWTO_TEXTS } from '../../src/pack/howto-texts.ts';
import { chooseHowToLanguages, howToLanguagesIn, isGenuineHowTo, renderHowTo } from '../../src/pack/howto.ts';
import type { Manifest } from '../../src/manifest/types.ts';

const manifest: Manifest = {
  format: 'samizdat-manifest/1',
  samizdat: '0.1.0',
  site: 'news',
  publication: { id: '2026-05-01-0123456789ab', date: '2026-05-01T10:00:00Z' },
  signer: 'SHA256:' + 'A'.repeat(43),
  files: [],
};

describe('the how-to-open text', () => {
  it('has every field in every language, filled in, with the commands and the fingerprint', () => {
    const all = Object.keys(HOWTO_TEXTS);
    expect(all).toEqual(expect.arrayContaining(['en', 'ru']));
    const text = renderHowTo(manifest, all);
    expect(howToLanguagesIn(text)).toEqual(all);
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text).not.toMatch(/(^|[^\r])\n/); // CRLF only
    expect(text).not.toMatch(/\{(site|id|date)\}/);
    for (const [lang, t] of Object.entries(HOWTO_TEXTS)) {
      for (const [field, value] of Object.entries(t)) expect(value.trim(), `${lang}.${field}`).not.toBe('');
    }
    expect(text.split(`samizdat verify news.zip --pubkey ${manifest.signer}`).length - 1).toBe(all.length);
    expect(text).toContain('Выпуск 2026-05-01-0123456789ab, новости по 2026-05-01.');
  });

  it('says the copy is unsigned when it is, and is rebuilt byte for byte by verify', () => {
    const unsigned = { ...manifest, signer: undefined };
    const text = renderHowTo(unsigned, ['ru', 'en']);
    expect(text).toContain(HOWTO_TEXTS.ru!.unsigned);
    expect(text).not.toContain('--pubkey');
    expect(isGenuineHowTo(Buffer.from(text), unsigned)).toBe(true);
    expect(isGenuineHowTo(Buffer.from(text.replace('index.html', 'evil.html')), unsigned)).toBe(false);
    expect(isGenuineHowTo(Buffer.from(renderHowTo(manifest, ['ru', 'en'])), unsigned)).toBe(false);
    expect(isGenuineHowTo(Buffer.from('hello'), unsigned)).toBe(false);
  });

  it('picks the site languages that have a text, in order, and always English', () => {
    expect(chooseHowToLanguages(['ru-RU', 'fa', 'hy', 'ru'])).toEqual(['ru', 'fa', 'en']);
    expect(chooseHowToLanguages(['en', 'uk'])).toEqual(['en', 'uk']);
    expect(chooseHowToLanguages([])).toEqual(['en']);
  });
});
