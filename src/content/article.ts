/** The article model: what one Markdown file with YAML front matter means. */
export interface Article {
  /** Path relative to the content folder, "/"-separated: names the article in messages. */
  file: string;
  /** Absolute path of the source file. */
  sourcePath: string;
  title: string;
  /** Publication date, ISO 8601 UTC ("2015-08-13T00:00:00Z"). */
  date: string;
  updated?: string;
  /** BCP 47 language tag; the site's when the article names none. */
  lang: string;
  dir: 'ltr' | 'rtl';
  author?: string;
  summary?: string;
  tags: string[];
  /**
   * Each tag's slug, in the order of tags (its list: tags/<slug>/index.html). Made with the
   * article, so that a build that parses nothing needs no transliteration.
   */
  tagSlugs: string[];
  slug: string;
  /** Local image path as written in the front matter (relative to the article file). */
  image?: string;
  imageAlt?: string;
  /** A photo caption, shown as the figure caption (even when there is no image). */
  imageCaption?: string;
  /** URL of the original publication. */
  source?: string;
  /** Id of the original feed item (set by ingest); carried along. */
  guid?: string;
  draft: boolean;
  /** The Markdown body, after the front matter. */
  body: string;
  /** 1-based line of the body's first line in the file. */
  bodyLine: number;
  /** Where the article page lands in the bundle: "articles/2015/08/<slug>/index.html". */
  url: string;
  /** sha256 of the file's bytes: the key of the render cache. */
  hash: string;
}

/** The front matter fields samizdat knows; anything else is reported as a warning. */
export const KNOWN_FIELDS = new Set([
  'title', 'date', 'lang', 'author', 'summary', 'tags', 'slug', 'updated', 'image', 'image_alt',
  'image_caption', 'source', 'guid', 'draft',
]);
