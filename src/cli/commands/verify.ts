import type { Command } from 'commander';
import { InputError } from '../../errors.ts';
import { errorJson, ExitError, printJson, type CliIO } from '../io.ts';
import type { VerifyEvent, VerifyReport } from '../../verify/index.ts';

interface VerifyFlags {
  pubkey?: string;
  json?: boolean;
  concurrency: string;
  timeout: string;
  sample?: string;
}

function positiveInt(name: string, value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InputError('VERIFY_BAD_OPTION', `${name} ${value} is not a positive whole number`);
  return Number(value);
}

export function register(program: Command, io: CliIO): void {
  program
    .command('verify')
    .description('Check that a copy (folder, zip or mirror URL) is genuine and complete: the signature, then every file against the manifest.')
    .argument('<target>', 'a folder, a .zip file, or the http(s) URL of a mirror')
    .option('--pubkey <key>', 'the publisher\'s key: its fingerprint (SHA256:…) or public key file; unsigned or other-key copies then fail')
    .option('--json', 'print the report as one JSON object')
    .option('--concurrency <n>', 'files checked at once', '8')
    .option('--timeout <ms>', 'per HTTP request', '30000')
    .option('--sample <n>', 'check only n files chosen at random (quick mirror checks)')
    .addHelpText(
      'after',
      `
Exit code 0 only for a genuine, complete copy; 1 when anything is missing, changed, unexpected,
unreadable or wrongly signed.

Examples:
  $ samizdat verify news.zip --pubkey SHA256:Dk3…
  $ samizdat verify ./news --pubkey newsroom.key.pub
  $ samizdat verify https://mirror.example.org/news/ --json`,
    )
    .action(async (target: string, flags: VerifyFlags) => {
      const options = {
        concurrency: positiveInt('--concurrency', flags.concurrency),
        timeoutMs: positiveInt('--timeout', flags.timeout),
        ...(flags.sample !== undefined ? { sample: positiveInt('--sample', flags.sample) } : {}),
        ...(flags.pubkey !== undefined ? { pubkey: flags.pubkey } : {}),
        cwd: io.cwd,
      };
      const progress = !flags.json && io.stderr.isTTY ? (e: VerifyEvent) => {
        if (e.type === 'file' && (e.done % 100 === 0 || e.done === e.total)) io.stderr.write(`\rchecking ${e.done}/${e.total}${e.done === e.total ? '\n' : ''}`);
      } : undefined;
      let report: VerifyReport;
      try {
        // Loaded on use: every command's stage imported up front makes the whole CLI slow to start.
        const { verifyTarget } = await import('../../verify/index.ts');
        report = await verifyTarget(target, { ...options, onProgress: progress });
      } catch (err) {
        if (!flags.json) throw err;
        printJson(io, { ok: false, target, error: errorJson(err) });
        throw new ExitError(1);
      }
      if (flags.json) printJson(io, report);
      else printReport(io, report);
      io.exitCode = report.ok ? 0 : 1;
    });
}

function printReport(io: CliIO, r: VerifyReport): void {
  const what = `${r.site}, publication ${r.publication.id} (${r.files.listed} files)`;
  const out = io.stdout;
  if (r.ok) {
    out.write(`OK: ${r.target} is a genuine${r.sampled === undefined ? ', complete' : ''} copy of ${what}\n`);
  } else {
    out.write(`NOT OK: ${r.target} is not a genuine, complete copy of ${what}\n`);
    const shown = r.problems.slice(0, 50);
    for (const p of shown) out.write(`  ${p}\n`);
    if (r.problems.length > shown.length) out.write(`  … and ${r.problems.length - shown.length} more (--json lists them all)\n`);
  }
  const s = r.signature;
  if (s.status === 'valid' && !s.expected) {
    out.write(`Signed by ${s.signer}: compare it with the fingerprint the publisher announced, or pass --pubkey.\n`);
  } else if (s.status === 'valid') {
    out.write(`Signed by the expected key ${s.signer}.\n`);
  } else if (s.status === 'unsigned' && !s.expected) {
    out.write('Not signed: this shows the copy is complete and undamaged, not who made it.\n');
  }
  if (r.sampled !== undefined) out.write(`Only ${r.sampled} of ${r.files.listed} files were checked (--sample).\n`);
  if (!r.unexpectedChecked && r.sampled === undefined) out.write('Extra files cannot be listed on a web server: only the listed files were checked.\n');
}
