import { attr } from '../references.ts';
import type { AuditDocument, AuditElement, AuditRule } from '../types.ts';

/** Where each fetch directive falls back to when the policy does not name it (CSP Level 3). */
const FALLBACK: Record<string, string[]> = {
  'script-src-elem': ['script-src', 'default-src'],
  'script-src-attr': ['script-src', 'default-src'],
  'style-src-elem': ['style-src', 'default-src'],
  'style-src-attr': ['style-src', 'default-src'],
  'worker-src': ['child-src', 'script-src', 'default-src'],
  'frame-src': ['child-src', 'default-src'],
  'fenced-frame-src': ['frame-src', 'child-src', 'default-src'],
  'img-src': ['default-src'],
  'font-src': ['default-src'],
  'media-src': ['default-src'],
  'connect-src': ['default-src'],
  'object-src': ['default-src'],
  'manifest-src': ['default-src'],
  'prefetch-src': ['default-src'],
};
const SCRIPT_DIRECTIVES = ['script-src-elem', 'script-src-attr', 'worker-src'];
/** Sources that load nothing from outside the document: self-contained data in images, fonts, media; hashes and inline for styles. */
const HARMLESS: Record<string, (source: string) => boolean> = {
  default: (s) => s === "'none'" || s === "'self'",
  style: (s) => s === "'none'" || s === "'self'" || s === "'unsafe-inline'" || /^'sha(256|384|512)-[A-Za-z0-9+/_=-]+'$/.test(s),
  data: (s) => s === "'none'" || s === "'self'" || s === 'data:',
};
function allowed(directive: string, source: string): boolean {
  if (directive.startsWith('style-src')) return HARMLESS.style!(source);
  if (['img-src', 'font-src', 'media-src'].includes(directive)) return HARMLESS.data!(source);
  return HARMLESS.default!(source);
}

/** The directives of a policy string; a repeated directive is ignored, as browsers do. */
export function parsePolicy(policy: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/[\t\n\f\r ]+/).filter(Boolean);
    if (!name) continue;
    const key = name.toLowerCase();
    if (!directives.has(key)) directives.set(key, sources.map((s) => (s.startsWith("'") ? s.toLowerCase() : s)));
  }
  return directives;
}

/** What is wrong with a policy for a page that must run no script and load nothing from outside. */
export function policyProblems(policy: string): string[] {
  // Every page of a bundle carries the same policy: read each distinct one once (a copy each
  // time, since the caller adds to it).
  let problems = policyMemo.get(policy);
  if (problems === undefined) {
    problems = policyProblemsUncached(policy);
    if (policyMemo.size >= 64) policyMemo.clear();
    policyMemo.set(policy, problems);
  }
  return [...problems];
}

const policyMemo = new Map<string, readonly string[]>();

function policyProblemsUncached(policy: string): string[] {
  const d = parsePolicy(policy);
  const problems: string[] = [];
  if (!d.has('default-src')) problems.push("no default-src: every kind of load it does not name is allowed (use default-src 'none')");
  for (const directive of Object.keys(FALLBACK)) {
    const named = [directive, ...FALLBACK[directive]!].find((n) => d.has(n));
    if (named === undefined) continue;
    const sources = d.get(named)!;
    if (SCRIPT_DIRECTIVES.includes(directive)) {
      if (sources.length !== 1 || sources[0] !== "'none'") problems.push(`${directive} (through ${named}) allows scripts: "${sources.join(' ')}"; it must be 'none'`);
      continue;
    }
    const bad = sources.filter((s) => !allowed(directive, s));
    if (bad.length) problems.push(`${directive} (through ${named}) allows loads from ${bad.join(' ')}`);
  }
  for (const r of ['report-uri', 'report-to']) if (d.has(r)) problems.push(`${r} would send reports outside the bundle`);
  return [...new Set(problems)];
}

function loadsSomething(doc: AuditDocument, el: AuditElement): boolean {
  return el.name === 'style' || el.name === 'link' || el.name === 'script' || doc.references.some((r) => r.element === el && r.use === 'load');
}

/** Every page carries a Content-Security-Policy meta tag that forbids scripts and loads from outside. */
export const pageCsp: AuditRule = {
  name: 'page-csp',
  description:
    "Every HTML page has, in <head> before anything that loads, <meta http-equiv=\"Content-Security-Policy\"> with default-src 'none' (or only 'self'), scripts 'none', and no outside source.",
  check(doc, ctx) {
    if (doc.kind !== 'page') return;
    const metas = doc.elements.filter((el) => el.name === 'meta' && (attr(el, 'http-equiv') ?? '').trim().toLowerCase() === 'content-security-policy');
    if (metas.length === 0) {
      ctx.report({ message: 'no <meta http-equiv="Content-Security-Policy">: add one with default-src \'none\'' });
      return;
    }
    const firstLoad = doc.elements.findIndex((el) => loadsSomething(doc, el));
    const reports: { line?: number; message: string }[] = [];
    for (const meta of metas) {
      const problems = policyProblems(attr(meta, 'content') ?? '');
      if (!meta.inHead) problems.push('it is not in <head>, so browsers ignore it');
      if (firstLoad !== -1 && doc.elements.indexOf(meta) > firstLoad) problems.push(`it comes after <${doc.elements[firstLoad]!.name}>, which it therefore does not cover`);
      if (problems.length === 0) return; // one good policy is enough: policies only add restrictions
      for (const p of problems) reports.push({ line: meta.line, message: `Content-Security-Policy: ${p}` });
    }
    for (const r of reports) ctx.report(r);
  },
};
