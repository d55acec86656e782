// A worker of the build's render pool (./render-pool.ts).
import { workerData } from 'node:worker_threads';
import type { Article } from '../content/index.ts';
import { serveTasks } from '../workers.ts';
import { renderArticle } from './render.ts';

const { contentDir } = workerData as { contentDir: string };
serveTasks((article: Article) => renderArticle(article, contentDir));
