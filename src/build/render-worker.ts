// One worker of a RenderPool (./render-pool.ts): renders the articles it is sent, one message each.
import { parentPort, workerData } from 'node:worker_threads';
import type { Article } from '../content/index.ts';
import { renderArticle } from './render.ts';
import type { RenderReply, RenderRequest } from './render-pool.ts';

const { contentDir } = workerData as { contentDir: string };

parentPort!.on('message', ({ id, article }: RenderRequest) => {
  renderArticle(article as Article, contentDir).then(
    (rendered) => parentPort!.postMessage({ id, rendered } satisfies RenderReply),
    // The error's class does not survive the trip: the caller renders the article again itself.
    () => parentPort!.postMessage({ id } satisfies RenderReply),
  );
});
