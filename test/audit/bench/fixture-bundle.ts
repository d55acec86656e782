// Writes a bundle made of every hostile audit fixture, so that audit-speed.mjs --all can compare
// two versions of the audit where findings abound (a built site has none):
//
//   npx tsx test/audit/bench/fixture-bundle.ts /tmp/audit-fixture-bundle
//   node test/audit/bench/audit-speed.mjs --old … --new … --bundle /tmp/audit-fixture-bundle --rounds 0 --all
//
// Each case becomes a page (inside a page that keeps the contract), a bare HTML file, the
// content_html of a JSON Feed item, the HTML of an Atom entry, and, for what parses as XML, an
// SVG file; plus pages that link to each other, to folders and outside the bundle.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readFixtures, wrapPage } from '../fixture-file.ts';

const out = path.resolve(process.argv[2] ?? '/tmp/audit-fixture-bundle');
const FIXTURES = path.join(import.meta.dirname, '../../fixtures');
const inputs = [
  ...readdirSync(path.join(FIXTURES, 'audit')).flatMap((f) => readFixtures(path.join(FIXTURES, 'audit', f)).map((c) => c.input)),
  ...readFixtures(path.join(FIXTURES, 'xss.txt')).map((c) => c.input),
];
rmSync(out, { recursive: true, force: true });
const write = (rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(out, rel)), { recursive: true });
  writeFileSync(path.join(out, rel), text);
};
const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
inputs.forEach((input, i) => {
  write(`cases/${i}/index.html`, wrapPage(`${input}\n<a href="../${i + 1}/index.html">next</a> <a href="../../cases/">up</a> <a href="../../../x.html">out</a>`));
  write(`raw/${i}.html`, input);
  write(`feeds/${i}.json`, JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', items: [{ id: String(i), url: `../cases/${i}/index.html`, content_html: input }] }));
  write(
    `feeds/${i}.xml`,
    `<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><link href="../cases/${i}/index.html"/><content type="html" xml:base="../cases/${i}/">${escapeXml(input)}</content></entry></feed>\n`,
  );
  write(`svg/${i}.svg`, `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">${input}</svg>`);
});
console.log(`${inputs.length} fixture cases written to ${out}`);
