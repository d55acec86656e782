// Fixture files in markdown-it's format: a header line, a line holding only ".", the input,
// ".", the expected output, ".". Used by the audit rule fixtures and the XSS fixture.
import { readFileSync } from 'node:fs';

export interface FixtureCase {
  header: string;
  input: string;
  expected: string;
  /** 1-based line of the header in the fixture file, for test names. */
  line: number;
}

export function readFixtures(file: string): FixtureCase[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const cases: FixtureCase[] = [];
  let i = 0;
  while (i < lines.length) {
    if (lines[i]!.trim() === '' || lines[i]!.startsWith('~~~')) {
      i++;
      continue;
    }
    const headerLine = i + 1;
    const header: string[] = [];
    while (i < lines.length && lines[i] !== '.') header.push(lines[i++]!);
    const block = (): string => {
      i++; // the "." before
      const out: string[] = [];
      while (i < lines.length && lines[i] !== '.') out.push(lines[i++]!);
      return out.join('\n');
    };
    const input = block();
    const expected = block();
    i++; // the closing "."
    if (i > lines.length) throw new Error(`${file}:${headerLine}: case "${header.join(' ')}" is not closed with "."`);
    cases.push({ header: header.join(' ').trim(), input, expected, line: headerLine });
  }
  return cases;
}

/** A minimal page that keeps the whole contract, with `body` inside <body>. */
export function wrapPage(body: string): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'self'">`,
    '<meta name="referrer" content="no-referrer">',
    '<title>fixture</title></head><body>',
    body,
    '</body></html>',
    '',
  ].join('\n');
}

/** Line of the first body line in wrapPage's output. */
export const WRAPPED_BODY_LINE = 6;
