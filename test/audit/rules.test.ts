// Every audit rule against its fixture file of hostile markup (test/fixtures/audit/<rule>.txt),
// written directly, not sanitized: each case must give exactly the findings listed.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditText, RULE_NAMES } from '../../src/audit/index.ts';
import type { BundleIndex } from '../../src/audit/types.ts';
import { readFixtures, wrapPage } from './fixture-file.ts';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/audit');

/** The bundle the fixtures pretend to be in (plus the audited file itself). */
function fixtureBundle(file: string): BundleIndex {
  return {
    files: new Set([file, 'page.html', 'img.png', 'style.css', 'a/index.html', 'articles/x/index.html', 'articles/x/photo.jpg']),
    folders: new Set(['', 'a', 'articles', 'articles/x']),
  };
}

/** "[file.ext]" anywhere in the header names the audited file. */
function fileOf(header: string): string {
  return /\[([^\]\s]+\.[A-Za-z]+)\]/.exec(header)?.[1] ?? 'page.html';
}

function isWholePage(input: string): boolean {
  return /^\s*<(!doctype|html)/i.test(input);
}

describe.each(RULE_NAMES.map((name) => [name]))('audit rule %s', (rule) => {
  const file = path.join(FIXTURES, `${rule}.txt`);

  it('has a fixture file with hostile and clean cases', () => {
    expect(existsSync(file), `${file} is missing`).toBe(true);
    const cases = readFixtures(file);
    expect(cases.filter((c) => c.expected.trim() === '(none)').length).toBeGreaterThan(0);
    expect(cases.filter((c) => c.expected.trim() !== '(none)').length).toBeGreaterThan(2);
  });

  const cases = existsSync(file) ? readFixtures(file) : [];
  it.each(cases.map((c) => [`${c.header} (line ${c.line})`, c]))('%s', (_name, c) => {
    const target = fileOf(c.header);
    const text = target.endsWith('.html') && !isWholePage(c.input) ? wrapPage(c.input) : c.input;
    const findings = auditText(text, { file: target, rules: [rule], bundle: fixtureBundle(target) });
    const got = findings.map((f) => `${f.line ?? '(no line)'}: ${f.message}`);
    const want = c.expected.trim() === '(none)' ? [] : c.expected.split('\n').filter((l) => l.trim() !== '');
    expect(findings.every((f) => f.rule === rule && f.file === target)).toBe(true);
    expect(got.length, `findings:\n${got.join('\n')}`).toBe(want.length);
    want.forEach((prefix, i) => expect(got[i], `finding ${i + 1} of:\n${got.join('\n')}`).toContain(prefix));
  });
});
