/**
 * The scans of a rebuild, started by the CLI's entry as its very first step, before the CLI's own
 * modules load (bin/samizdat.mjs). The scan thread takes about 0.1 s to start on a busy machine;
 * started from the command, after those modules, it answered only after the build had begun to
 * wait for it. The folders are read from the command line as the command reads them (the same
 * options and defaults); whenever they differ, the build finds no scan started for its own
 * folders and starts one itself (build/prescan.ts), so a misreading costs time, never a result.
 */
import path from 'node:path';
import { prestartScans } from '../build/prescan.ts';

/** For each command that builds: the option naming its content folder, and its output folder from the options. */
const BUILDS: Record<string, (value: (name: string, fallback: string) => string) => { contentDir: string; outDir: string }> = {
  build: (value) => ({ contentDir: value('--content', 'content'), outDir: value('--out', 'dist/site') }),
  publish: (value) => ({ contentDir: value('--content', 'content'), outDir: path.join(value('--dist', 'dist'), 'site') }),
};

export function prestartFromArgv(argv: readonly string[], cwd: string): void {
  const folders = BUILDS[argv[0] ?? ''];
  // Help prints and exits: a scan thread would only keep the process alive until it is done.
  if (!folders || argv.some((a) => a === '--help' || a === '-h' || a === '--')) return;
  const value = (name: string, fallback: string): string => {
    let found = fallback;
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === name && i + 1 < argv.length) found = argv[++i]!;
      else if (a.startsWith(`${name}=`)) found = a.slice(name.length + 1);
    }
    return found;
  };
  const { contentDir, outDir } = folders(value);
  prestartScans({ contentDir: path.resolve(cwd, contentDir), outDir: path.resolve(cwd, outDir) });
}
