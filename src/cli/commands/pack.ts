import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../errors.ts';
import { errorJson, ExitError, printJson, type CliIO } from '../io.ts';
import type { PackEvent } from '../../pack/index.ts';

interface PackFlags {
  site: string;
  out: string;
  level: string;
  json?: boolean;
}

export function register(program: Command, io: CliIO): void {
  program
    .command('pack')
    .description('Pack the built site into a deterministic <site>.zip with a how-to-open text, and write <site>.zip.sha256.')
    .option('--site <dir>', 'the built bundle', 'dist/site')
    .option('--out <dir>', 'where the zip and its .sha256 go', 'dist')
    .option('--level <n>', 'deflate level 0-9', '9')
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      `
The same bundle always gives the same zip, byte for byte: entries sorted, one timestamp (the
publication date), fixed permissions. Every file is checked against mirror-manifest.json
while it is packed.

Examples:
  $ samizdat pack
  $ samizdat pack --site dist/site --out dist --json
  $ sha256sum -c dist/news.zip.sha256`,
    )
    .action(async (flags: PackFlags) => {
      const level = Number(flags.level);
      if (!/^\d$/.test(flags.level)) throw new InputError('PACK_BAD_LEVEL', `--level ${flags.level} is not a number from 0 to 9`);
      const progress = !flags.json && io.stderr.isTTY ? (e: PackEvent) => {
        if (e.type === 'entry' && (e.done % 200 === 0 || e.done === e.total)) io.stderr.write(`\rpacking ${e.done}/${e.total}`);
        if (e.type === 'done') io.stderr.write('\n');
      } : undefined;
      try {
        // Loaded on use: every command's stage imported up front makes the whole CLI slow to start.
        const { packSite } = await import('../../pack/index.ts');
        const r = await packSite({ siteDir: path.resolve(io.cwd, flags.site), outDir: path.resolve(io.cwd, flags.out), level, onProgress: progress });
        if (flags.json) return printJson(io, { ok: true, ...r });
        for (const w of r.warnings) io.stderr.write(`warning: ${w.message}\n`);
        io.stdout.write(
          `Packed ${r.zipPath}\n` +
            `  ${r.entries} entries, ${(r.bytes / 1e6).toFixed(2)} MB, publication ${r.publicationId}\n` +
            `  sha256 ${r.sha256}  (also in ${path.basename(r.sha256Path)})\n` +
            (r.signer ? `  signed by ${r.signer}\n` : `  not signed: set SAMIZDAT_SIGNING_KEY_FILE before building to sign it\n`) +
            `  how-to-open text in: ${r.languages.join(', ')}\n`,
        );
      } catch (err) {
        if (!flags.json) throw err;
        printJson(io, { ok: false, error: errorJson(err) });
        throw new ExitError(1);
      }
    });
}
