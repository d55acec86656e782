// Raw Eleventy for the build benchmark: the same Markdown files, Eleventy's defaults, and a
// minimal layout (title + content). Plain JavaScript so Eleventy's own CLI loads it as is.
export default function (eleventyConfig) {
  eleventyConfig.setQuietMode(true);
  eleventyConfig.addGlobalData('layout', 'base.11ty.js');
  eleventyConfig.addTemplate('_includes/base.11ty.js', {
    render: (data) => `<!DOCTYPE html><html lang="${data.lang ?? 'en'}"><head><meta charset="utf-8"><title>${data.title}</title></head><body><main>${data.content}</main></body></html>`,
  });
  return { templateFormats: ['md'] };
}
