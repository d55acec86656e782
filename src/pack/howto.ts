// HOW-TO-OPEN.txt: the plain-text file at the top of every zip that tells a reader how to open
// the copy and how to check it. Its bytes depend only on the manifest and the list of
// languages, so `verify` can rebuild it from the languages named in its section headings and
// compare: a tampered instruction ("trust fingerprint X") is caught like any other change.
import type { Manifest } from '../manifest/types.ts';
import { HOWTO_TEXTS } from './howto-texts.ts';

export const HOWTO_FILE = 'HOW-TO-OPEN.txt';

const HEADING = /^=== (.+) \(([a-z]{2,3})\) ===$/;

/** The base language ("pt" of "pt-BR"), lowercase. */
function baseLanguage(tag: string): string {
  return tag.split(/[-_]/)[0]!.toLowerCase();
}

/**
 * The languages the text will be written in: each of the site's languages that has a text,
 * in the given order, then English when it is not among them.
 */
export function chooseHowToLanguages(siteLanguages: readonly string[]): string[] {
  const out: string[] = [];
  for (const tag of siteLanguages) {
    const base = baseLanguage(tag);
    if (HOWTO_TEXTS[base] && !out.includes(base)) out.push(base);
  }
  if (!out.includes('en')) out.push('en');
  return out;
}

/** `zipName` is the name readers see in the checksum commands, e.g. "news.zip". */
export function renderHowTo(manifest: Manifest, languages: readonly string[], zipName = `${manifest.site}.zip`): string {
  const fill = (s: string) =>
    s.replaceAll('{site}', manifest.site).replaceAll('{id}', manifest.publication.id).replaceAll('{date}', manifest.publication.date.slice(0, 10));
  const pubkey = manifest.signer ? ` --pubkey ${manifest.signer}` : '';
  const lines: string[] = [];
  for (const lang of languages) {
    const t = HOWTO_TEXTS[lang];
    if (!t) continue;
    lines.push(`=== ${t.name} (${lang}) ===`, '', fill(t.title), fill(t.publication), '');
    lines.push(t.openHeading, t.open1, t.open2, '');
    lines.push(t.checkHeading);
    if (manifest.signer) lines.push(t.signed, '', `    ${manifest.signer}`, '', t.compare);
    else lines.push(t.unsigned);
    lines.push('', t.tool, `    samizdat verify ${zipName}${pubkey}`, `    samizdat verify FOLDER${pubkey}`, '');
    lines.push(t.zip, `    Linux:   sha256sum ${zipName}`, `    macOS:   shasum -a 256 ${zipName}`, `    Windows: certutil -hashfile ${zipName} SHA256`, '', '');
  }
  // A byte-order mark and CRLF line ends: older Notepad needs both to show Cyrillic, Persian…
  return '\uFEFF' + lines.join('\r\n');
}

/** The languages named by a how-to text's section headings, in order. */
export function howToLanguagesIn(text: string): string[] {
  const out: string[] = [];
  for (const line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const m = HEADING.exec(line);
    if (m && HOWTO_TEXTS[m[2]!]) out.push(m[2]!);
  }
  return out;
}

/**
 * True when `bytes` are exactly what pack writes for this manifest in the languages the text
 * itself names (the zip name is taken from the text's own verify command line).
 */
export function isGenuineHowTo(bytes: Uint8Array, manifest: Manifest): boolean {
  const text = Buffer.from(bytes).toString('utf8');
  const languages = howToLanguagesIn(text);
  if (languages.length === 0) return false;
  const zipName = /^ {4}samizdat verify (\S+\.zip)/m.exec(text)?.[1] ?? `${manifest.site}.zip`;
  return Buffer.from(renderHowTo(manifest, languages, zipName), 'utf8').equals(Buffer.from(bytes));
}
