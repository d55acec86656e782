// Finding the front matter's fences without parsing it: the content cache gets a cached
// article's body back from its file this way, so this module loads no YAML parser.

export const OPEN = /^---[ \t]*\r?\n/;
export const CLOSE = /^(?:---|\.\.\.)[ \t]*$/m;

/**
 * Splits "---\nyaml\n---\nbody" without parsing the YAML (yamlText undefined when the file has
 * no front matter). Cheap: the content cache uses it to get a body back from the file.
 */
export function splitFences(text: string): { yamlText?: string; body: string; bodyLine: number; closed: boolean } {
  if (!OPEN.test(text)) return { body: text, bodyLine: 1, closed: false };
  const afterOpen = text.replace(OPEN, '');
  const close = CLOSE.exec(afterOpen);
  const yamlText = close ? afterOpen.slice(0, close.index) : afterOpen;
  const rest = close ? afterOpen.slice(close.index + close[0].length).replace(/^\r?\n/, '') : '';
  const yamlLines = yamlText.split('\n').length - (yamlText.endsWith('\n') ? 1 : 0);
  return { yamlText, body: rest, bodyLine: 2 + yamlLines + (close ? 1 : 0), closed: close !== null };
}
