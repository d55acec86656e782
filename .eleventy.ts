/**
 * Eleventy configuration for `samizdat build` (Eleventy 3, TypeScript: loaded through tsx).
 *
 * Article text never reaches a template engine: buildSite renders and sanitizes every article
 * itself and hands the finished objects to Eleventy as global data (`samizdat`). The pages
 * are JavaScript templates (virtual, from src/build/templates/) paginated over that data,
 * so nothing an author writes is ever evaluated. Markdown and HTML template engines are off
 * anyway, and markdown-it's html option is set explicitly.
 */
import type { EleventyUserConfig } from '@11ty/eleventy';
import MarkdownIt from 'markdown-it';
import { eleventyTemplates } from './src/build/templates/eleventy.ts';

export default function configure(eleventyConfig: EleventyUserConfig) {
  eleventyConfig.setQuietMode(true);
  eleventyConfig.setUseGitIgnore(false);
  eleventyConfig.setTemplateFormats(['11ty.js']);
  // Not used for articles (they are rendered before Eleventy runs); set so no Markdown file
  // that ever reaches Eleventy gets raw HTML unsanitized by default.
  eleventyConfig.setLibrary('md', new MarkdownIt({ html: false }));
  for (const t of eleventyTemplates) eleventyConfig.addTemplate(t.path, t.template);
  return {
    markdownTemplateEngine: false,
    htmlTemplateEngine: false,
    templateFormats: ['11ty.js'],
  };
}
