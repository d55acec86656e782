/**
 * Renders articles on worker threads. Markdown and the sanitizer are CPU work, and a first build
 * of a big archive renders thousands of articles while the calling thread has little to do.
 * A pool is only ever a way to go faster: an article a worker could not render (or every
 * article, once a worker has died) is rendered in the calling thread, which gives the error
 * exactly as a build without the pool would.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { Article } from '../content/index.ts';
import { startWorker } from '../workers.ts';
import { renderArticle, type RenderedArticle } from './render.ts';

export interface RenderRequest {
  id: number;
  /** The article with its body (a plain copy: `body` is not enumerable on Article). */
  article: Article;
}
/** No `rendered`: the worker failed; render it in the calling thread. */
export interface RenderReply {
  id: number;
  rendered?: RenderedArticle;
}

const MODULE = new URL('./render-worker.ts', import.meta.url);

/** Below this many articles to render, starting workers (~0.3 s of CPU each) costs more than it saves. */
export const RENDER_POOL_FROM = 1000;

export class RenderPool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, { article: Article; worker: number; resolve: (r: RenderedArticle) => void; reject: (e: unknown) => void }>();
  private readonly inFlight: number[] = [];
  private readonly dead = new Set<number>();
  private nextId = 0;
  private closed = false;

  constructor(private readonly contentDir: string, size = Math.max(1, Math.min(4, availableParallelism()))) {
    for (let i = 0; i < size; i++) {
      const worker = startWorker(MODULE, { contentDir });
      worker.on('message', ({ id, rendered }: RenderReply) => {
        const job = this.waiting.get(id);
        if (!job) return;
        this.waiting.delete(id);
        this.inFlight[i]!--;
        if (rendered) job.resolve(rendered);
        else this.inThread(job);
      });
      const die = () => {
        if (this.closed || this.dead.has(i)) return;
        this.dead.add(i);
        for (const [id, job] of this.waiting) {
          if (job.worker !== i) continue;
          this.waiting.delete(id);
          this.inThread(job);
        }
      };
      worker.once('error', die);
      worker.once('exit', die);
      this.workers.push(worker);
      this.inFlight.push(0);
    }
  }

  private inThread(job: { article: Article; resolve: (r: RenderedArticle) => void; reject: (e: unknown) => void }): void {
    renderArticle(job.article, this.contentDir).then(job.resolve, job.reject);
  }

  /** Renders one article on the least busy worker. */
  render(article: Article): Promise<RenderedArticle> {
    return new Promise((resolve, reject) => {
      let worker = -1;
      for (let i = 0; i < this.workers.length; i++) {
        if (!this.dead.has(i) && (worker === -1 || this.inFlight[i]! < this.inFlight[worker]!)) worker = i;
      }
      const job = { article, worker, resolve, reject };
      if (worker === -1) return this.inThread(job);
      const id = this.nextId++;
      this.waiting.set(id, job);
      this.inFlight[worker]!++;
      this.workers[worker]!.postMessage({ id, article: { ...article, body: article.body } } satisfies RenderRequest);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
