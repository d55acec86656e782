/**
 * Runs Eleventy 3 (programmatic API) with the repository's .eleventy.ts over the finished site
 * model. The input folder is empty: every page is a virtual template, every value is data.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SamizdatError } from '../errors.ts';
import { FROM_SOURCE } from '../paths.ts';
import type { EleventyBuildData } from './templates/eleventy.ts';

/** Running from src/ (tsx), the TypeScript config; compiled (lib/), its compiled copy beside this module's folder. */
export const ELEVENTY_CONFIG = fileURLToPath(new URL(FROM_SOURCE ? '../../.eleventy.ts' : '../eleventy.config.js', import.meta.url));

let tsxRegistered = !FROM_SOURCE;
/** Eleventy imports its config with Node's own loader: teach it TypeScript (Node 20). */
async function ensureTypeScriptLoader(): Promise<void> {
  if (tsxRegistered) return;
  const { register } = await import('tsx/esm/api');
  register();
  tsxRegistered = true;
}

async function loadEleventy(): Promise<typeof import('@11ty/eleventy')> {
  await ensureTypeScriptLoader();
  // Eleventy registers an ESM loader hook to bust its import cache in watch mode. On Node 20 that
  // hook runs on a thread of its own that every later import waits for; a one-shot build has
  // nothing to bust (Eleventy's documented switch, github.com/11ty/eleventy/issues/3371).
  process.env.ELEVENTY_SKIP_ESM_RESOLVER ??= '1';
  return import('@11ty/eleventy');
}

let eleventyModule: Promise<typeof import('@11ty/eleventy')> | undefined;

/**
 * Starts loading Eleventy's modules (about half a second) before runEleventy needs them: a first
 * build does it while other threads parse the articles, instead of on its critical path.
 */
export function preloadEleventy(): void {
  eleventyModule ??= loadEleventy();
  // A failure is reported by runEleventy, which loads it again.
  eleventyModule.catch(() => {});
}

export async function runEleventy(data: EleventyBuildData, outDir: string, workDir: string): Promise<void> {
  const { Eleventy } = await (eleventyModule ??= loadEleventy()).catch((err: unknown) => {
    eleventyModule = undefined;
    throw err;
  });
  const inputDir = path.join(workDir, 'eleventy-input');
  await mkdir(inputDir, { recursive: true });
  const elev = new Eleventy(inputDir, outDir, {
    quietMode: true,
    configPath: ELEVENTY_CONFIG,
    config: (config) => {
      config.addGlobalData('samizdat', data);
    },
  });
  // Library code never prints: Eleventy's "Wrote N files" line is forced, so drop its logger.
  elev.disableLogger();
  try {
    await elev.write();
  } catch (err) {
    throw new SamizdatError('ELEVENTY_FAILED', `Eleventy could not render the site: ${(err as Error).message}`, {
      hint: 'This is a bug in samizdat, not in your content. Your previous output is untouched; please report it with SAMIZDAT_DEBUG=1.',
      cause: err,
    });
  } finally {
    await rm(inputDir, { recursive: true, force: true });
  }
}
