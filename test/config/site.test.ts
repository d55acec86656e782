import { describe, expect, it } from 'vitest';
import { parseSiteSettings } from '../../src/config/site.ts';
import { AggregateInputError } from '../../src/errors.ts';

describe('site settings', () => {
  it('fills in defaults for an empty file', () => {
    const s = parseSiteSettings('', 'site.yaml');
    expect(s.lang).toBe('en');
    expect(s.feedSize).toBe(50);
    expect(s.gateways.length).toBeGreaterThan(1);
  });

  it('reports every problem at once, with file and line', () => {
    let caught: unknown;
    try {
      parseSiteSettings('title: News\npageSize: -1\nlang: "not a tag"\nbogus: 1\n', 'content/site.yaml');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AggregateInputError);
    const problems = (caught as AggregateInputError).problems;
    expect(problems.map((p) => p.message).join('\n')).toMatch(/pageSize/);
    expect(problems.map((p) => p.message).join('\n')).toMatch(/lang/);
    expect(problems.map((p) => p.message).join('\n')).toMatch(/bogus/);
    expect(problems.find((p) => p.message.startsWith('pageSize'))?.line).toBe(2);
    expect(problems.every((p) => p.file === 'content/site.yaml')).toBe(true);
  });

  it('reports YAML syntax errors with a line', () => {
    expect(() => parseSiteSettings('title: [unclosed\n', 'site.yaml')).toThrow(AggregateInputError);
  });
});
