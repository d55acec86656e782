import type { Command } from 'commander';
import { printJson, type CliIO } from '../io.ts';
import type { PinProgress, PinSiteResult } from '../../ipfs/index.ts';

interface PinOptions {
  site?: string;
  out?: string;
  content?: string;
  mirrors?: string;
  blockstore?: string;
  hidden?: boolean;
  json?: boolean;
}

export function register(program: Command, io: CliIO): void {
  program
    .command('pin')
    .description('Import the bundle into the local IPFS block store (Kubo-identical CID), write dist/<cid>.car, and pin it to the kubo and pinning-service targets in mirrors/.')
    .option('--site <dir>', 'the built bundle', 'dist/site')
    .option('--out <dir>', 'where <cid>.car is written', 'dist')
    .option('--content <dir>', 'the content folder with site.yaml (gateways, ipfs.blockstore)', 'content')
    .option('--mirrors <dir>', 'the mirror files (types kubo and pinning-service are pinned to)', 'mirrors')
    .option('--blockstore <dir>', 'the local block store (default: ipfs.blockstore in site.yaml, else .samizdat/ipfs)')
    .option('--hidden', 'include dot-files, like `ipfs add -r --hidden` (default: left out, like `ipfs add -r`)')
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      `
The CID is computed here with exactly the settings of \`ipfs add -r --cid-version=1\`, so any
Kubo node adding the same folder gets the same CID. Remote targets are mirror files with
type kubo (a Kubo node or an IPFS Cluster proxy) or pinning-service; one that fails never stops
the others, and the exit code is 1 if any failed.

Examples:
  $ samizdat pin
  $ samizdat pin --site dist/site --json
  $ samizdat pin --blockstore /var/cache/samizdat-ipfs`,
    )
    .action(async (opts: PinOptions) => {
      const { resolveIpfsPaths } = await import('../../ipfs/cli-context.ts');
      const paths = await resolveIpfsPaths(io.cwd, opts);
      const { loadMirrorConfigs } = await import('../../mirrors/config.ts'); // host types load only when pinning
      const mirrors = await loadMirrorConfigs(paths.mirrorsDir);
      const { loadMirrorEnv } = await import('../../mirrors/env.ts');
      const env = await loadMirrorEnv(paths.root, io.env);
      const { pinSite } = await import('../../ipfs/index.ts'); // the IPFS libraries load only when pinning
      const result = await pinSite({
        siteDir: paths.siteDir,
        distDir: paths.distDir,
        blockstoreDir: paths.blockstoreDir,
        gateways: paths.settings.gateways,
        mirrors,
        env,
        hidden: opts.hidden,
        pinName: `${paths.settings.name} ${new Date().toISOString().slice(0, 10)}`,
        onProgress: io.stderr.isTTY && !opts.json ? progressLine(io) : undefined,
      });
      if (io.stderr.isTTY && !opts.json) io.stderr.write('\r\x1b[K');
      io.exitCode = result.ok ? 0 : 1;
      if (opts.json) return printJson(io, result);
      printReport(io, result);
    });
}

/** One overwritten status line on a terminal; nothing when stderr is a file or a pipe. */
function progressLine(io: CliIO): (e: PinProgress) => void {
  let last = 0;
  return (e) => {
    const now = Date.now();
    if (e.type === 'import' && now - last < 200 && e.files !== e.totalFiles) return;
    last = now;
    const text =
      e.type === 'import' ? `importing ${e.files}/${e.totalFiles} files` : e.type === 'car' ? `writing the CAR: ${e.blocks} blocks` : `${e.target}: ${e.stage}${e.bytes ? ` ${e.bytes} bytes` : ''}`;
    io.stderr.write(`\r\x1b[K${text}`);
  };
}

function printReport(io: CliIO, r: PinSiteResult): void {
  const out: string[] = [];
  out.push(`CID  ${r.cid}`);
  out.push(`CAR  ${r.carPath}  (${r.carBlocks} blocks; ${r.files} files, ${r.bytes} bytes)`);
  if (r.skippedHidden.length) out.push(`Left out ${r.skippedHidden.length} dot-file(s), as \`ipfs add -r\` does: ${r.skippedHidden.slice(0, 5).join(', ')}${r.skippedHidden.length > 5 ? ', …' : ''}`);
  out.push('', 'Links:', `  ${r.links.native}`);
  for (const g of r.links.gateways) out.push(`  ${g.path}`, `  ${g.subdomain}`);
  if (r.remote.length) {
    out.push('', 'Pin targets:');
    for (const t of r.remote) {
      if (t.ok) {
        const extra = [t.outcome?.ipns ? `IPNS ${t.outcome.ipns.name}` : '', t.outcome?.mfsPath ? `MFS ${t.outcome.mfsPath}` : '', t.unpinned.length ? `unpinned ${t.unpinned.length} old` : '']
          .filter(Boolean)
          .join(', ');
        out.push(`  ok      ${t.name} (${t.type})${extra ? `: ${extra}` : ''}`);
      } else {
        out.push(`  FAILED  ${t.name} (${t.type}): ${t.error?.message ?? 'unknown error'}${t.error?.hint ? `\n          → ${t.error.hint}` : ''}`);
      }
      for (const u of t.unpinErrors) out.push(`  warning ${t.name}: could not unpin ${u.cid}: ${u.message}`);
    }
  }
  io.stdout.write(out.join('\n') + '\n');
}
