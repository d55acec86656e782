/**
 * Renders articles on worker threads: Markdown and the sanitizer are CPU work, and a first build
 * of a big archive renders thousands of articles while the calling thread has little to do.
 */
import type { Article } from '../content/index.ts';
import { TaskPool } from '../workers.ts';
import type { RenderedArticle } from './render.ts';

/** Below this many articles to render, starting workers (~0.3 s of CPU each) costs more than it saves. */
export const RENDER_POOL_FROM = 1000;

export class RenderPool {
  private readonly pool: TaskPool<Article, RenderedArticle>;

  constructor(contentDir: string) {
    this.pool = new TaskPool(new URL('./render-worker.ts', import.meta.url), { contentDir }, async (article) => (await import('./render.ts')).renderArticle(article, contentDir));
  }

  /** `body` is not enumerable on an Article: the copy sent to a worker carries it. */
  render(article: Article): Promise<RenderedArticle> {
    return this.pool.run({ ...article, body: article.body });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
