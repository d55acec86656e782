import { expect, it } from 'vitest';
import { renderMarkdown } from '../../src/build/markdown.ts';

it('root-absolute links become text with a warning; protocol-relative ones become https', () => {
  const { html, warnings } = renderMarkdown('[about](/about/) and [elsewhere](//example.org/x)\n', { sourceFile: 'content/a.md' });
  expect(html).toBe('<p><span>about</span> and <a href="https://example.org/x" rel="noopener noreferrer">elsewhere</a></p>\n');
  expect(warnings).toEqual([expect.objectContaining({ code: 'ROOT_LINK', file: 'content/a.md' })]);
  expect(warnings[0]!.message).toContain('/about/');
});
