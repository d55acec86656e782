// A feed audited entry by entry (src/audit/feed-splice.ts) must give exactly the verdict of the
// feed read whole: on hand-made hostile feeds (entries cut inside comments, CDATA sections and
// attribute values, prefixes bound outside the entry, xml:base, a DOCTYPE with entities, XML 1.1
// characters, "]]" and ">" around a cut) and on thousands of generated feeds, each audited with a
// fresh memo, with a memo that knows an earlier version of the feed, and after the bundle changed.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFixtures } from './fixture-file.ts';
import { FragmentMemo } from '../../src/audit/fragments.ts';
import { findEntries, findJsonItems, PLACEHOLDER, spliceStats } from '../../src/audit/feed-splice.ts';
import { auditBytes, auditFileText } from '../../src/audit/run.ts';
import { selectRules, type AuditFinding } from '../../src/audit/index.ts';
import type { BundleView } from '../../src/audit/types.ts';

const rules = selectRules();
const newMemo = () => FragmentMemo.inMemory(rules.map((r) => r.name));
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const lines = (fs: AuditFinding[]) => fs.map((f) => `${f.file}:${f.line ?? ''} ${f.rule} ${f.message}`);

function bundleOf(): BundleView & { files: Set<string>; folders: Set<string> } {
  return {
    files: new Set(['atom.xml', 'rss.xml', 'a/index.html', 'b/index.html', 'sub/index.html', 'media/p.png', 'lang/ru/atom.xml']),
    folders: new Set(['', 'a', 'b', 'sub', 'media', 'lang', 'lang/ru']),
  };
}

/** The feed read whole, without a memo: the reference verdict. */
const whole = (text: string, file: string, bundle: BundleView) => lines(auditFileText(text, file, 'xml', rules, bundle));
/** The feed read with a memo (cut into entries when it can be). */
const withMemo = (text: string, file: string, bundle: BundleView, memo: FragmentMemo) => lines(auditFileText(text, file, 'xml', rules, bundle, false, memo));

const ATOM = 'http://www.w3.org/2005/Atom';
const html = (s: string) => `<content type="html">${esc(s)}</content>`;
const entry = (body: string, attrs = '') => `<entry${attrs}><title>t</title>${body}</entry>`;
const atom = (entries: string[], rootAttrs = '', prolog = '<?xml version="1.0" encoding="utf-8"?>\n') =>
  `${prolog}<feed xmlns="${ATOM}"${rootAttrs}><title>feed</title><updated>2026-01-01T00:00:00Z</updated>\n${entries.join('\n')}\n</feed>\n`;
const rss = (items: string[], rootAttrs = '') =>
  `<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"${rootAttrs}><channel><title>feed</title>\n${items.join('\n')}\n</channel></rss>\n`;

const CLEAN = entry(`<link href="a/index.html"/>${html('<p>a</p><a href="b/index.html">b</a><img src="media/p.png" alt="">')}`);
const CLEAN2 = entry(`<link href="b/index.html"/>${html('<p>b</p>')}`);

/** Feeds a wrong cut would misjudge: most have findings, some are clean only when read whole. */
const HOSTILE: Array<[name: string, file: string, text: string]> = [
  ['a script in an entry', 'atom.xml', atom([CLEAN, entry(html('<p>x</p><script>alert(1)</script>')), CLEAN2])],
  ['a comment holding an entry with a script', 'atom.xml', atom([CLEAN, `<!-- ${entry('<script xmlns="http://www.w3.org/1999/xhtml">x</script>')} -->`, CLEAN2])],
  ['a comment cut by an entry', 'atom.xml', atom([CLEAN, `<!-- ${CLEAN2} --> ${entry('<x:script xmlns:x="http://www.w3.org/1999/xhtml"/>')}`])],
  ['an entry inside an attribute value', 'atom.xml', atom([CLEAN, `<link href="javascript:alert(1)${CLEAN2}"/>`, CLEAN])],
  ['an entry inside a CDATA section', 'atom.xml', atom([CLEAN, `<summary><![CDATA[ ${CLEAN2} ]]></summary>`, CLEAN])],
  ['a CDATA section holding an entry end', 'atom.xml', atom([CLEAN, entry(`<content type="html"><![CDATA[<p>x</p></entry><entry><script>alert(1)</script>]]></content>`), CLEAN2])],
  ['an entry inside a processing instruction', 'atom.xml', atom([CLEAN, `<?pi ${CLEAN2} ?>`, CLEAN])],
  ['an unbound prefix in an entry', 'atom.xml', atom([CLEAN, entry('<media:thumbnail url="media/p.png"/>'), CLEAN2])],
  ['a prefix bound on the root, an outside load in the entry', 'atom.xml', atom([CLEAN, entry('<media:content xmlns:media="http://search.yahoo.com/mrss/" url="https://tracker.example/x.png"/>'), CLEAN2], ' xmlns:media="http://search.yahoo.com/mrss/"')],
  ['the XHTML namespace bound on the root, a script in an entry', 'atom.xml', atom([CLEAN, entry('<h:script/>'), CLEAN2], ' xmlns:h="http://www.w3.org/1999/xhtml"')],
  ['xml:base on the root makes an entry link miss', 'atom.xml', atom([CLEAN, CLEAN2], ' xml:base="sub/"')],
  ['xml:base on another host', 'atom.xml', atom([CLEAN, entry(html('<a href="nowhere.html">x</a>'))], ' xml:base="https://example.org/"')],
  ['xml:base on an entry', 'atom.xml', atom([CLEAN, entry(html('<a href="gone.html">x</a>'), ' xml:base="sub/"'), CLEAN2])],
  ['a DOCTYPE with an entity', 'atom.xml', atom([CLEAN, entry('<summary>&e;</summary>'), CLEAN2], '', '<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY e "x">]>')],
  ['an undefined entity in an entry', 'atom.xml', atom([CLEAN, entry('<summary>&e;</summary>'), CLEAN2])],
  ['XML 1.1 characters in an entry of an XML 1.0 feed', 'atom.xml', atom([CLEAN, entry('<summary>&#1;</summary>'), CLEAN2])],
  ['XML 1.1 characters in an entry of an XML 1.1 feed', 'atom.xml', atom([CLEAN, entry('<summary>&#1;</summary>'), CLEAN2], '', '<?xml version="1.1"?>')],
  ['"]]" before an entry and ">" after it', 'atom.xml', atom([`<subtitle>]]</subtitle>`, `]]${CLEAN}>`, CLEAN2])],
  ['"]]" before an entry', 'atom.xml', atom([`]]${CLEAN}`, CLEAN2])],
  ['an unclosed entry', 'atom.xml', atom([CLEAN, '<entry><title>t</title>', CLEAN2])],
  ['nested entries', 'atom.xml', atom([CLEAN, `<entry>${CLEAN2}<link href="gone.html"/></entry>`, CLEAN2])],
  ['an empty entry', 'atom.xml', atom([CLEAN, '<entry/>', CLEAN2, '<entry />'])],
  ['entries outside the root', 'atom.xml', `${atom([CLEAN, CLEAN2])}${CLEAN}`],
  ['an entry as the root', 'atom.xml', `<?xml version="1.0"?>${CLEAN}`],
  ['a mismatched end tag in an entry', 'atom.xml', atom([CLEAN, entry('<summary>x</title>'), CLEAN2])],
  ['an entry end inside a comment of an entry', 'atom.xml', atom([CLEAN, `<entry><title>t</title><!-- </entry> --><link href="javascript:alert(1)"/></entry>`, CLEAN2])],
  ['a look-alike element name', 'atom.xml', atom([CLEAN, `<entryx><link href="gone.html"/></entryx>`, CLEAN2])],
  ['RSS: an outside image in an item', 'rss.xml', rss([`<item><link>a/index.html</link><description>${esc('<img src="https://tracker.example/p.png">')}</description></item>`, `<item><link>b/index.html</link></item>`])],
  ['RSS: a dangerous link in an item', 'rss.xml', rss([`<item><link>javascript:alert(1)</link></item>`, `<item><link>b/index.html</link></item>`])],
  ['RSS items in a root that is not rss', 'rss.xml', `<feedish><item><description>${esc('<script>x</script>')}</description></item><item><link>b/index.html</link></item></feedish>`],
  // Carried HTML (and a URL) split by a cut: the whole is read as one text, so must the splice.
  ['carried HTML split by a cut', 'atom.xml', atom([`<content type="html">&lt;img src=&quot;media/p.png&quot; on<entry/>error=alert(1) alt=&quot;&quot;&gt;<entry><title>z</title></entry></content>`, CLEAN, CLEAN2])],
  ['a carried link split by a cut', 'rss.xml', rss([`<link>java<item/>script:alert(1)<item><title>z</title></item></link>`, `<item><link>b/index.html</link></item>`, `<item><link>a/index.html</link></item>`])],
  ['a clean Atom feed', 'atom.xml', atom([CLEAN, CLEAN2, CLEAN])],
  ['a clean RSS feed', 'rss.xml', rss([`<item><link>a/index.html</link><description>${esc('<p>a</p>')}</description></item>`, `<item><link>b/index.html</link></item>`])],
  ['a clean feed in a folder', 'lang/ru/atom.xml', atom([entry(`<link href="../../a/index.html"/>${html('<a href="../../b/index.html">b</a>')}`), entry('<link href="../../b/index.html"/>')])],
];

describe('a feed audited entry by entry', () => {
  it('cuts with a short random name: a letter, 64 random bits in 11 letters and digits, a dash', () => {
    // saxes reads names one character at a time, and a skeleton holds one placeholder per entry.
    expect(PLACEHOLDER).toMatch(/^z[0-9A-Za-z]{11}-$/);
    // Not a fixed string: 11 digits of base 62 from 8 random bytes, so some are not zeros.
    expect(PLACEHOLDER).not.toBe('z00000000000-');
  });

  it('finds the entries of Atom and RSS feeds, not look-alikes', () => {
    expect(findEntries(atom([CLEAN, CLEAN2]))?.length).toBe(2);
    expect(findEntries(rss(['<item><title>a</title></item>', '<item>\n</item>']))?.length).toBe(2);
    expect(findEntries(atom([CLEAN]))).toBeUndefined();
    expect(findEntries('<feed><entryx></entryx><entryx></entryx></feed>')).toBeUndefined();
  });

  for (const [name, file, text] of HOSTILE) {
    it(`gives the whole read's verdict: ${name}`, () => {
      const bundle = bundleOf();
      const expected = whole(text, file, bundle);
      if (name.startsWith('a clean')) expect(expected).toEqual([]);
      // With a fresh memo, again with what the first read kept, and with the memo of a clean
      // feed holding the same entries in the same place.
      const memo = newMemo();
      expect(withMemo(text, file, bundle, memo)).toEqual(expected);
      expect(withMemo(text, file, bundle, memo)).toEqual(expected);
      const primed = newMemo();
      withMemo(atom([CLEAN, CLEAN2, CLEAN]), 'atom.xml', bundle, primed);
      withMemo(rss([`<item><link>b/index.html</link></item>`, `<item><link>a/index.html</link></item>`]), 'rss.xml', bundle, primed);
      expect(withMemo(text, file, bundle, primed)).toEqual(expected);
    });
  }

  it('has cases of both kinds', () => {
    const withFindings = HOSTILE.filter(([, file, text]) => whole(text, file, bundleOf()).length > 0);
    expect(withFindings.length).toBeGreaterThan(15);
    expect(HOSTILE.length - withFindings.length).toBeGreaterThan(5);
  });

  it('replays known entries instead of parsing them, and asks their questions again', () => {
    const bundle = bundleOf();
    const memo = newMemo();
    expect(withMemo(atom([CLEAN, CLEAN2]), 'atom.xml', bundle, memo)).toEqual([]);
    const before = { ...spliceStats };
    // A new entry on top: only it is parsed.
    const next = atom([entry(`<link href="sub/index.html"/>${html('<p>new</p>')}`), CLEAN, CLEAN2]);
    expect(withMemo(next, 'atom.xml', bundle, memo)).toEqual([]);
    expect(spliceStats.replayed - before.replayed).toBe(2);
    expect(spliceStats.parsed - before.parsed).toBe(1);
    // The image a known entry shows goes: that entry is parsed again, and its link reported.
    bundle.files.delete('media/p.png');
    expect(withMemo(next, 'atom.xml', bundle, memo)).toEqual(whole(next, 'atom.xml', bundle));
    expect(whole(next, 'atom.xml', bundle).length).toBeGreaterThan(0);
  });

  it('keys an entry by its context: the same text under another xml:base is audited again', () => {
    const bundle = bundleOf();
    const memo = newMemo();
    expect(withMemo(atom([CLEAN, CLEAN2]), 'atom.xml', bundle, memo)).toEqual([]);
    const elsewhere = atom([CLEAN, CLEAN2], ' xml:base="sub/"');
    const expected = whole(elsewhere, 'atom.xml', bundle);
    expect(expected.length).toBeGreaterThan(0);
    expect(withMemo(elsewhere, 'atom.xml', bundle, memo)).toEqual(expected);
  });

  it('keys an entry by the folder of its feed: the same feed text elsewhere is audited again', () => {
    const bundle = bundleOf();
    const memo = newMemo();
    const text = atom([CLEAN, CLEAN2]);
    expect(withMemo(text, 'atom.xml', bundle, memo)).toEqual([]);
    const elsewhere = whole(text, 'lang/ru/atom.xml', bundle);
    expect(elsewhere.length).toBeGreaterThan(0);
    expect(withMemo(text, 'lang/ru/atom.xml', bundle, memo)).toEqual(elsewhere);
  });

  it('trusts the memo it is given (proof that known entries are not parsed): a tampered memo hides a script', () => {
    const bundle = bundleOf();
    const memo = newMemo();
    const bad = entry(html('<script>alert(1)</script>'));
    const text = atom([CLEAN, bad]);
    // The bad entry, in its context, marked clean by hand, as a memo file could be by someone
    // who can write the cache folder (who could as well write the bundle).
    withMemo(atom([CLEAN, CLEAN2]), 'atom.xml', bundle, memo);
    const context = `""\n<?xml version="1.0"?><feed xmlns="${ATOM}">`;
    memo.rememberSegment(FragmentMemo.segmentKey(context, bad), []);
    expect(withMemo(text, 'atom.xml', bundle, memo)).toEqual([]);
    expect(whole(text, 'atom.xml', bundle).length).toBeGreaterThan(0);
  });

  it('cuts entries with only white space between them as one run, anything else between as separate runs', () => {
    const bundle = bundleOf();
    const cuts = (text: string) => {
      const before = spliceStats.cuts;
      expect(withMemo(text, 'atom.xml', bundle, newMemo())).toEqual(whole(text, 'atom.xml', bundle));
      return spliceStats.cuts - before;
    };
    expect(cuts(atom([CLEAN, CLEAN2, CLEAN, CLEAN2]))).toBe(1);
    expect(cuts(atom([CLEAN, ` \t\r\n${CLEAN2}`, CLEAN]))).toBe(1);
    expect(cuts(atom([CLEAN, CLEAN2, '<!-- between -->', CLEAN, CLEAN2]))).toBe(2);
    expect(cuts(atom([CLEAN, 'text', CLEAN2, '<title>t</title>', CLEAN]))).toBe(3);
    // A finding between two entries (text the skeleton keeps) is found, a script in one of them too.
    expect(cuts(atom([CLEAN, '<link href="javascript:alert(1)"/>', CLEAN2]))).toBe(2);
    expect(withMemo(atom([CLEAN, '<link href="javascript:alert(1)"/>', CLEAN2]), 'atom.xml', bundle, newMemo()).length).toBeGreaterThan(0);
    const bad = entry(html('<img src="x.png" onerror="alert(1)">'));
    expect(withMemo(atom([CLEAN, bad, CLEAN2]), 'atom.xml', bundle, newMemo())).toEqual(whole(atom([CLEAN, bad, CLEAN2]), 'atom.xml', bundle));
    expect(whole(atom([CLEAN, bad, CLEAN2]), 'atom.xml', bundle).length).toBeGreaterThan(0);
    // RSS items likewise.
    const before = spliceStats.cuts;
    const feed = rss([`<item><link>a/index.html</link><description>${esc('<p>a</p>')}</description></item>`, `<item><link>b/index.html</link></item>`]);
    expect(lines(auditFileText(feed, 'rss.xml', 'xml', rules, bundle, false, newMemo()))).toEqual(lines(auditFileText(feed, 'rss.xml', 'xml', rules, bundle)));
    expect(spliceStats.cuts - before).toBe(1);
  });

  it('gives the whole read verdict on 3,000 generated feeds, as they change from one to the next', () => {
    let seed = 11;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const ENTRIES = [
      CLEAN,
      CLEAN2,
      entry(html('<p>c</p><a href="sub/index.html">s</a>')),
      entry(html('<a href="gone/index.html">x</a>')),
      entry(html('<img src="x.png" onerror="alert(1)">')),
      entry('<link href="javascript:alert(1)"/>'),
      entry('<media:content url="media/p.png"/>'),
      entry('<h:img src="https://tracker.example/p.png"/>'),
      entry(html('<a href="index.html">x</a>'), ' xml:base="sub/"'),
      entry('<summary>&#1;</summary>'),
      entry('<summary>&e;</summary>'),
      entry('<summary>]]</summary>'),
      '<entry/>',
      '<entry><title>unclosed</title>',
      '<!-- <entry><script/></entry> -->',
      '<![CDATA[',
      ']]>',
      ']]',
      '>',
      '<?pi x?>',
      '<x a="',
      '">',
      '<h:script/>',
      'text',
      '\n',
      ' \t\r\n',
      '<content type="html">&lt;img src=&quot;media/p.png&quot; on',
      'error=alert(1) alt=&quot;&quot;&gt;</content>',
      '<content type="html">&lt;p&gt;',
      '&lt;/p&gt;</content>',
      '<uri>java',
      'script:alert(1)</uri>',
    ];
    const ROOTS = ['', ' xmlns:media="http://search.yahoo.com/mrss/"', ' xmlns:h="http://www.w3.org/1999/xhtml"', ' xml:base="sub/"', ' xml:base="https://example.org/"'];
    const PROLOGS = ['<?xml version="1.0" encoding="utf-8"?>\n', '<?xml version="1.1"?>', '', '<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY e "x">]>'];
    const bundle = bundleOf();
    const memo = newMemo();
    const before = { ...spliceStats };
    let pieces: string[] = [];
    let clean = 0;
    for (let i = 0; i < 3000; i++) {
      // Mostly the last feed with an entry added on top and the oldest dropped; sometimes a new one.
      if (pieces.length === 0 || next(5) === 0) pieces = Array.from({ length: 2 + next(5) }, () => ENTRIES[next(ENTRIES.length)]!);
      else pieces = [ENTRIES[next(ENTRIES.length)]!, ...pieces.slice(0, 5)];
      const text = atom(pieces, ROOTS[next(ROOTS.length)], PROLOGS[next(PROLOGS.length)]);
      if (next(50) === 0) bundle.files.delete('media/p.png');
      if (next(50) === 0) bundle.files.add('media/p.png');
      const expected = whole(text, 'atom.xml', bundle);
      if (expected.length === 0) clean++;
      expect(withMemo(text, 'atom.xml', bundle, memo), text).toEqual(expected);
    }
    // The cases exercise both outcomes and the shortcut itself.
    expect(clean).toBeGreaterThan(50);
    expect(spliceStats.replayed - before.replayed).toBeGreaterThan(100);
    expect(spliceStats.gaveUp - before.gaveUp).toBeGreaterThan(100);
  }, 60_000);
});

describe('a JSON Feed audited item by item', () => {
  const item = (url: string, html: string, extra: Record<string, unknown> = {}) => ({ id: url, url, content_html: html, ...extra });
  const feed = (items: unknown[], top: Record<string, unknown> = {}) => JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 'f', ...top, items }, null, 1);
  const wholeJson = (text: string, file: string, bundle: BundleView) => lines(auditFileText(text, file, 'json', rules, bundle));
  const withMemoJson = (text: string, file: string, bundle: BundleView, memo: FragmentMemo) => lines(auditFileText(text, file, 'json', rules, bundle, false, memo));
  const A = item('a/index.html', '<p>a</p><a href="../b/index.html">b</a><img src="../media/p.png" alt="">');
  const B = item('b/index.html', '<p>b</p>');

  const CASES: Array<[string, string, string]> = [
    ['a clean feed', 'feed.json', feed([A, B, A])],
    ['a script in an item', 'feed.json', feed([A, item('b/index.html', '<script>alert(1)</script>'), B])],
    ['a dangerous link in an item', 'feed.json', feed([A, item('javascript:alert(1)', '<p>x</p>')])],
    ['an item whose url moves its links', 'feed.json', feed([A, item('sub/index.html', '<a href="../a/index.html">a</a><a href="gone.html">x</a>')])],
    ['a feed in a folder', 'lang/ru/feed.json', feed([item('../../a/index.html', '<a href="../b/index.html">b</a>'), item('../../b/index.html', '<p>b</p>')])],
    ['an item cut where a key goes', 'feed.json', `${feed([A, B]).slice(0, -2)},\n "x": {\n  {"y": 1\n  }: 2}\n}`],
    ['an item cut where a key goes, unclosed', 'feed.json', `${feed([A, B]).slice(0, -2)},\n "x": {\n  {"y": 1}: 2\n  }\n}`],
    ['an item cut where a member value goes', 'feed.json', `{\n "items": [\n  {"content_html": "<p>x</p>"}\n ],\n "content_html":\n  {"a": "<script>x</script>"}\n  ,\n "more": [\n  {"id": 1}\n  ]\n}`],
    ['an invalid item', 'feed.json', feed([A, B]).replace('"id": "b/index.html",', '"id": "b/index.html",,')],
    ['a broken feed around valid items', 'feed.json', `${feed([A, B])}}`],
    ['items in a nested array', 'feed.json', feed([A, { id: 'x', url: 'b/index.html', items: [B, item('gone/index.html', '<p>x</p>')] }, B])],
    ['duplicate items keys', 'feed.json', feed([A, B]).replace('"version"', '"items": [\n  {"content_html": "<p onclick=\\"x()\\">x</p>"},\n  {"id": 2}\n ],\n "version"')],
    ['a string holding a line-start brace', 'feed.json', `{\n "items": [\n  {"a": "x\\n  {"},\n  {"content_html": "<script>x</script>"}\n ]\n}`],
  ];

  it('finds the items JSON.stringify writes', () => {
    expect(findJsonItems(feed([A, B, A]))?.length).toBe(3);
    expect(findJsonItems(feed([A]))).toBeUndefined();
    expect(findJsonItems(JSON.stringify({ items: [A, B] }))).toBeUndefined();
  });

  for (const [name, file, text] of CASES) {
    it(`gives the whole read's verdict: ${name}`, () => {
      const bundle = bundleOf();
      bundle.files.add('feed.json');
      bundle.files.add('lang/ru/feed.json');
      const expected = wholeJson(text, file, bundle);
      if (name.startsWith('a clean') || name.startsWith('a feed in')) expect(expected).toEqual([]);
      const memo = newMemo();
      expect(withMemoJson(text, file, bundle, memo)).toEqual(expected);
      expect(withMemoJson(text, file, bundle, memo)).toEqual(expected);
      const primed = newMemo();
      withMemoJson(feed([A, B, item('b/index.html', '<script>alert(1)</script>')]), file, bundle, primed);
      withMemoJson(feed([A, B]), file, bundle, primed);
      expect(withMemoJson(text, file, bundle, primed)).toEqual(expected);
    });
  }

  it('replays known items, asks their questions again, and keys them by the folder they are read against', () => {
    const bundle = bundleOf();
    bundle.files.add('feed.json');
    const memo = newMemo();
    expect(withMemoJson(feed([A, B]), 'feed.json', bundle, memo)).toEqual([]);
    const before = { ...spliceStats };
    const next = feed([item('sub/index.html', '<p>new</p>'), A, B]);
    expect(withMemoJson(next, 'feed.json', bundle, memo)).toEqual([]);
    expect(spliceStats.replayed - before.replayed).toBe(2);
    expect(spliceStats.parsed - before.parsed).toBe(1);
    bundle.files.delete('media/p.png');
    const broken = wholeJson(next, 'feed.json', bundle);
    expect(broken.length).toBeGreaterThan(0);
    expect(withMemoJson(next, 'feed.json', bundle, memo)).toEqual(broken);
    // The same feed in another folder: its items' urls, and the links read against them, lead
    // elsewhere; audited again.
    const moved = wholeJson(next, 'lang/ru/feed.json', bundle);
    expect(moved.length).toBeGreaterThan(0);
    expect(withMemoJson(next, 'lang/ru/feed.json', bundle, memo)).toEqual(moved);
    // Two feeds whose items arrays are read against the same folder (their own url says so), in
    // different folders: an item's url is still read against its feed's folder.
    const inRoot = feed([item('a/index.html', '<a href="../b/index.html">b</a>'), B], { url: 'lang/ru/atom.xml' });
    expect(withMemoJson(inRoot, 'feed.json', bundle, memo)).toEqual([]);
    const inLang = feed([item('a/index.html', '<a href="../b/index.html">b</a>'), B], { url: 'atom.xml' });
    const langFindings = wholeJson(inLang, 'lang/ru/feed.json', bundle);
    expect(langFindings.length).toBeGreaterThan(0);
    expect(withMemoJson(inLang, 'lang/ru/feed.json', bundle, memo)).toEqual(langFindings);
    // Items without a url of their own are read against the feed's folder: the same text in a
    // feed elsewhere is another key.
    bundle.files.add('media/p.png');
    const noUrl = (html: string) => ({ id: html, content_html: html });
    const here = feed([noUrl('<a href="a/index.html">a</a>'), noUrl('<p>b</p>')]);
    expect(withMemoJson(here, 'feed.json', bundle, memo)).toEqual([]);
    const there = wholeJson(here, 'lang/ru/feed.json', bundle);
    expect(there.length).toBeGreaterThan(0);
    expect(withMemoJson(here, 'lang/ru/feed.json', bundle, memo)).toEqual(there);
  });

  it('gives the whole read verdict on 2,000 generated feeds, some damaged, as they change', () => {
    let seed = 5;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const ITEMS = [
      A,
      B,
      A,
      B,
      A,
      B,
      item('sub/index.html', '<a href="index.html">s</a>'),
      item('b/index.html', '<img src="x.png" onerror="alert(1)">'),
      item('javascript:alert(1)', '<p>x</p>'),
      item('gone/index.html', '<p>x</p>'),
      { id: 'no url', content_html: '<a href="a/index.html">a</a>' },
      { id: 'nested', items: [B, { content_html: '<script>x</script>' }] },
      { id: 'image', image: 'https://tracker.example/p.png', content_html: '<p>i</p>' },
    ];
    const DAMAGE = ['', '', '', ',', '}', '{', '"', '\n  {', '\n  }', '\n  {"x": 1}', ']', '"x":'];
    const bundle = bundleOf();
    bundle.files.add('feed.json');
    const memo = newMemo();
    const before = { ...spliceStats };
    let items: unknown[] = [];
    let clean = 0;
    for (let i = 0; i < 2000; i++) {
      if (items.length === 0 || next(5) === 0) items = Array.from({ length: 2 + next(5) }, () => ITEMS[next(ITEMS.length)]);
      else items = [ITEMS[next(ITEMS.length)], ...items.slice(0, 5)];
      let text = feed(items);
      const damage = DAMAGE[next(DAMAGE.length)]!;
      if (damage) {
        const at = next(text.length);
        text = text.slice(0, at) + damage + text.slice(at);
      }
      if (next(50) === 0) bundle.files.delete('media/p.png');
      if (next(50) === 0) bundle.files.add('media/p.png');
      const expected = wholeJson(text, 'feed.json', bundle);
      if (expected.length === 0) clean++;
      expect(withMemoJson(text, 'feed.json', bundle, memo), text).toEqual(expected);
    }
    expect(clean).toBeGreaterThan(50);
    expect(spliceStats.replayed - before.replayed).toBeGreaterThan(300);
    expect(spliceStats.gaveUp - before.gaveUp).toBeGreaterThan(50);
  }, 60_000);
});

describe('a feed cut straight from its bytes (a rebuild reads files as bytes)', () => {
  const ru = entry(`<link href="a/index.html"/>${html('<p>Слово за словом — «цитата» 😀</p><a href="b/index.html">б</a>')}`);
  const ruBad = entry(html('<p>Ещё</p><img src="x.png" onerror="alert(1)">'));
  const bytesOf = (text: string) => Buffer.from(text, 'utf8');
  const viaBytes = (bytes: Buffer, file: string, bundle: BundleView, memo: FragmentMemo) => lines(auditBytes(file, bytes, rules, bundle, true, memo).findings);

  it('gives the whole read verdict on every hostile feed, and on bytes that are not plain UTF-8', () => {
    const cases: Array<[string, Buffer]> = HOSTILE.map(([, file, text]) => [file, bytesOf(text)]);
    cases.push(['atom.xml', bytesOf(atom([CLEAN, ru, ruBad]))]);
    cases.push(['atom.xml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytesOf(atom([CLEAN, ru]))])]);
    const broken = bytesOf(atom([CLEAN, ru, CLEAN2]));
    broken[broken.indexOf('Слово')] = 0xff;
    cases.push(['atom.xml', broken]);
    for (const [file, bytes] of cases) {
      const bundle = bundleOf();
      const expected = lines(auditBytes(file, bytes, rules, bundle, true).findings);
      const memo = newMemo();
      expect(viaBytes(bytes, file, bundle, memo), bytes.toString()).toEqual(expected);
      expect(viaBytes(bytes, file, bundle, memo), bytes.toString()).toEqual(expected);
    }
  });

  it('replays entries learned from the text (a first build audits the text it writes) and parses only the new one', () => {
    const bundle = bundleOf();
    const memo = newMemo();
    // As a first build's thread audits it: the text.
    expect(withMemo(atom([ru, CLEAN, CLEAN2]), 'atom.xml', bundle, memo)).toEqual([]);
    const before = { ...spliceStats };
    const next = bytesOf(atom([entry(`<link href="sub/index.html"/>${html('<p>Новая</p>')}`), ru, CLEAN, CLEAN2]));
    const result = auditBytes('atom.xml', next, rules, bundle, true, memo);
    expect(result.findings).toEqual([]);
    expect(spliceStats.replayed - before.replayed).toBe(3);
    expect(spliceStats.parsed - before.parsed).toBe(1);
    // The bundle questions of the replayed entries are the file's too.
    expect(result.queries).toEqual(expect.arrayContaining([['f:a/index.html', true], ['f:b/index.html', true], ['f:sub/index.html', true]]));
    // JSON likewise.
    const item = (url: string, h: string) => ({ id: url, url, content_html: h });
    const feed = (items: unknown[]) => JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', items }, null, 1);
    const jsonBundle = { files: new Set([...bundle.files, 'feed.json']), folders: bundle.folders };
    expect(lines(auditFileText(feed([item('a/index.html', '<p>Слово</p>'), item('b/index.html', '<p>b</p>')]), 'feed.json', 'json', rules, jsonBundle, false, memo))).toEqual([]);
    const jsonBefore = { ...spliceStats };
    const jsonNext = bytesOf(feed([item('sub/index.html', '<p>новое</p>'), item('a/index.html', '<p>Слово</p>'), item('b/index.html', '<p>b</p>')]));
    expect(auditBytes('feed.json', jsonNext, rules, jsonBundle, true, memo).findings).toEqual([]);
    expect(spliceStats.replayed - jsonBefore.replayed).toBe(2);
    expect(spliceStats.parsed - jsonBefore.parsed).toBe(1);
  });
});

describe('feeds carrying the hostile fixtures', () => {
  const FIXTURES = path.join(import.meta.dirname, '../fixtures');
  const inputs = [
    ...readdirSync(path.join(FIXTURES, 'audit')).flatMap((f) => readFixtures(path.join(FIXTURES, 'audit', f)).flatMap((c) => [c.input, c.expected])),
    ...readFixtures(path.join(FIXTURES, 'xss.txt')).flatMap((c) => [c.input, c.expected]),
  ];

  it(`give the whole read's verdict with every fixture as an entry's HTML and as raw XML, in Atom, RSS and JSON (${inputs.length} fixtures)`, () => {
    expect(inputs.length).toBeGreaterThan(300);
    const bundle = bundleOf();
    bundle.files.add('feed.json');
    const memo = newMemo();
    const item = (url: string, h: string) => ({ id: url, url, content_html: h });
    const json = (items: unknown[]) => JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', items }, null, 1);
    // The memo knows the clean entries around each case.
    withMemo(atom([CLEAN, CLEAN2]), 'atom.xml', bundle, memo);
    let differ = 0;
    let found = 0;
    for (const input of inputs) {
      const feeds: Array<[string, string, 'xml' | 'json']> = [
        ['atom.xml', atom([CLEAN, entry(html(input)), CLEAN2]), 'xml'],
        ['atom.xml', atom([CLEAN, entry(`<summary>${input}</summary>`), CLEAN2]), 'xml'],
        ['rss.xml', rss([`<item><link>a/index.html</link><description>${esc(input)}</description></item>`, `<item><link>b/index.html</link></item>`]), 'xml'],
        ['feed.json', json([item('a/index.html', '<p>a</p>'), item('b/index.html', input), item('a/index.html', '<p>a</p>')]), 'json'],
      ];
      for (const [file, text, kind] of feeds) {
        const expected = lines(auditFileText(text, file, kind, rules, bundle));
        if (expected.length > 0) found++;
        const viaText = lines(auditFileText(text, file, kind, rules, bundle, false, memo));
        const viaBytes = lines(auditBytes(file, Buffer.from(text, 'utf8'), rules, bundle, true, memo).findings);
        if (JSON.stringify(viaText) !== JSON.stringify(expected) || JSON.stringify(viaBytes) !== JSON.stringify(expected)) {
          differ++;
          expect(viaText, text).toEqual(expected);
          expect(viaBytes, text).toEqual(expected);
        }
      }
    }
    expect(differ).toBe(0);
    expect(found).toBeGreaterThan(200);
  }, 60_000);
});
