/** Paths and settings the `pin` and `serve` commands share, resolved against the project root. */
import path from 'node:path';
import { loadSiteSettings, type SiteSettings } from '../config/site.ts';
import { DEFAULT_BLOCKSTORE_DIR } from './blockstore.ts';

export interface IpfsCommandPaths {
  root: string;
  siteDir: string;
  distDir: string;
  contentDir: string;
  mirrorsDir: string;
  blockstoreDir: string;
  settings: SiteSettings;
}

export async function resolveIpfsPaths(cwd: string, opts: { site?: string; out?: string; content?: string; mirrors?: string; blockstore?: string }): Promise<IpfsCommandPaths> {
  const root = path.resolve(cwd);
  const contentDir = path.resolve(root, opts.content ?? 'content');
  const { settings } = await loadSiteSettings(contentDir);
  return {
    root,
    siteDir: path.resolve(root, opts.site ?? 'dist/site'),
    distDir: path.resolve(root, opts.out ?? 'dist'),
    contentDir,
    mirrorsDir: path.resolve(root, opts.mirrors ?? 'mirrors'),
    blockstoreDir: path.resolve(root, opts.blockstore ?? settings.ipfs?.blockstore ?? DEFAULT_BLOCKSTORE_DIR),
    settings,
  };
}
