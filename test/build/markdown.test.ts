import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/build/markdown.ts';

const render = (md: string, extra: Partial<Parameters<typeof renderMarkdown>[1]> = {}) => renderMarkdown(md, { sourceFile: 'a.md', ...extra });

describe('renderMarkdown', () => {
  it('keeps template syntax as literal text', () => {
    const { html } = render('Sum: {{ 7 * 7 }} and {% include "secret.txt" %} and {{ site.title }}');
    expect(html).toContain('{{ 7 * 7 }}');
    expect(html).toContain('{% include "secret.txt" %}');
    expect(html).not.toContain('49');
  });

  it('turns remote images into plain links, with a warning naming the line', () => {
    const { html, warnings } = render('first\n\n![a cat](https://example.org/cat.png)\n', { lineOffset: 5 });
    expect(html).toContain('<a href="https://example.org/cat.png" rel="noopener noreferrer">a cat</a>');
    expect(html).not.toContain('<img');
    expect(warnings).toEqual([expect.objectContaining({ code: 'REMOTE_IMAGE', file: 'a.md', line: 7 })]);
  });

  it('also catches remote images written as raw HTML and protocol-relative', () => {
    const { html, warnings } = render('<img src="//evil.example/x.gif" alt="x"> <IMG SRC="HTTPS://E.ORG/Y.PNG">');
    expect(html).not.toMatch(/<img/i);
    expect(warnings.filter((w) => w.code === 'REMOTE_IMAGE')).toHaveLength(2);
  });

  it('maps local images through assetUrl, with width and height', () => {
    const { html } = render('![m](media/m.png)', { assetUrl: (s) => `../../${s}`, assetSize: () => ({ width: 3, height: 2 }) });
    expect(html).toContain('<img src="../../media/m.png" alt="m" width="3" height="2" />');
  });

  it('shows a missing local image as its alt text, with a warning', () => {
    const { html, warnings } = render('![the map](nowhere.png)', { assetUrl: () => undefined });
    expect(html).not.toContain('<img');
    expect(html).toContain('the map');
    expect(warnings[0]!.code).toBe('IMAGE_MISSING');
  });

  it('adds rel="noopener noreferrer" to outbound links only', () => {
    const { html } = render('[out](https://example.org) [in](../other/index.html) [mail](mailto:a@b.org)');
    expect(html).toContain('<a href="https://example.org" rel="noopener noreferrer">out</a>');
    expect(html).toContain('<a href="../other/index.html">in</a>');
    expect(html).toContain('<a href="mailto:a@b.org" rel="noopener noreferrer">mail</a>');
  });

  it('lets no script, handler or dangerous URL through', () => {
    const { html } = render(`<script>alert(1)</script>
<a href="javascript:alert(1)">a</a> <a href="JaVaScRiPt&colon;alert(2)">b</a> <a href="vbscript:x">c</a>
<a href="data:text/html;base64,PHNjcmlwdD4=">d</a> [e](javascript:alert(3))
<p onclick="alert(4)" style="background:url(https://e.org/x)">p</p>
<iframe src="https://e.org"></iframe><object data="x"></object><embed src="x"><form action="x"><input></form>
<svg><a xlink:href="javascript:alert(5)">s</a></svg><base href="https://e.org/"><meta http-equiv="refresh" content="0;url=https://e.org">
<style>@import url(https://e.org/x.css)</style><link rel="stylesheet" href="https://e.org/x.css">`);
    expect(html).not.toMatch(/<script|<iframe|<object|<embed|<form|<svg|<base|<meta|<style|<link/i);
    expect(html).not.toMatch(/(?:href|src)\s*=\s*["']?\s*(?:javascript|vbscript|data):/i);
    expect(html).not.toMatch(/onclick|url\(|style=/i);
    // Markdown's own link syntax with a javascript: URL stays text, never a link.
    expect(html).toContain('[e](javascript:alert(3))');
  });

  it('keeps table alignment but no other CSS', () => {
    const { html } = render('| a | b |\n|--:|:-|\n| 1 | 2 |\n\n<span style="color:red;text-align:center">x</span>');
    expect(html).toContain('<th style="text-align:right">a</th>');
    expect(html).not.toContain('color');
  });
});
