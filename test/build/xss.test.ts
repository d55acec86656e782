// Hostile article text (test/fixtures/xss.txt: markdown-it's xss.txt and the OWASP XSS filter
// evasion cheat sheet) through the real renderer: each case must give exactly the HTML listed,
// and that HTML, inside a page, must pass the bundle audit.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditText } from '../../src/audit/index.ts';
import type { BundleIndex } from '../../src/audit/types.ts';
import { renderMarkdown } from '../../src/build/markdown.ts';
import { readFixtures, wrapPage } from '../audit/fixture-file.ts';

const cases = readFixtures(path.join(import.meta.dirname, '../fixtures/xss.txt'));

/** As in the real build: red.png is in the bundle, nothing else is. */
function render(markdown: string) {
  return renderMarkdown(markdown, {
    sourceFile: 'article.md',
    assetUrl: (src) => (src === 'red.png' ? 'media/red.png' : undefined),
    assetSize: (src) => (src === 'red.png' ? { width: 4, height: 3 } : undefined),
  });
}

/**
 * A bundle in which every relative path exists, so the audit judges the HTML itself (whether a
 * relative link's target exists is the build's business, checked end to end elsewhere).
 */
const EVERYTHING: BundleIndex = {
  files: { has: () => true } as unknown as ReadonlySet<string>,
  folders: new Set(['']),
};

describe('test/fixtures/xss.txt', () => {
  it('holds the markdown-it and OWASP cases', () => {
    expect(cases.length).toBeGreaterThan(25);
    expect(cases.filter((c) => c.header.startsWith('markdown-it')).length).toBeGreaterThanOrEqual(8);
    expect(cases.filter((c) => c.header.startsWith('OWASP')).length).toBeGreaterThanOrEqual(8);
  });

  it.each(cases.map((c) => [`${c.header} (line ${c.line})`, c]))('%s', (_name, c) => {
    const { html } = render(c.input);
    expect(html.replace(/\n$/, '')).toBe(c.expected);

    const findings = auditText(wrapPage(html), { file: 'articles/x/index.html', bundle: EVERYTHING });
    const rejects = /\[audit-rejects: ([a-z-]+)\]/.exec(c.header)?.[1];
    if (rejects) {
      // The build's audit refuses this text: the gate works, and only for this reason.
      expect(findings.length).toBeGreaterThan(0);
      expect(findings.filter((f) => f.rule !== rejects)).toEqual([]);
    } else {
      expect(findings).toEqual([]);
    }
  });

  it('warns about remote images instead of loading them', () => {
    const { html, warnings } = render('![a photo](https://example.org/photo.jpg)');
    expect(html).not.toContain('<img');
    expect(warnings.map((w) => w.code)).toEqual(['REMOTE_IMAGE']);
    expect(warnings[0]!.file).toBe('article.md');
  });
});
