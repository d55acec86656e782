// The stamp of a file an article's rendering looked at (an image): in a module of its own, so that
// the render cache can check stamps without loading the Markdown renderer.

/** Changes when a file is replaced or edited (kind, size, modification time). */
export function stampOf(st: { size: number; mtimeMs: number; isFile(): boolean }): string {
  return `${st.isFile() ? 'f' : 'o'}:${st.size}:${Math.trunc(st.mtimeMs)}`;
}
