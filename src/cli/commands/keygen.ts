import path from 'node:path';
import type { Command } from 'commander';
import { printJson, type CliIO } from '../io.ts';
import { defaultKeyFile, writeKeyPair } from '../../manifest/keygen.ts';
import { SIGNING_KEY_FILE_ENV } from '../../manifest/keys.ts';

export function register(program: Command, io: CliIO): void {
  program
    .command('keygen')
    .description('Make a new Ed25519 key pair for signing the manifest; prints only the public key fingerprint.')
    .option('--out <file>', 'private key file (the public key goes to FILE.pub)', defaultKeyFile(io.env))
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      `
The private key file gets mode 0600; an existing file is never overwritten. Keep it outside
the repository, and give its path to builds in ${SIGNING_KEY_FILE_ENV} (or its text in
SAMIZDAT_SIGNING_KEY). Announce the fingerprint through channels readers trust.

Examples:
  $ samizdat keygen
  $ samizdat keygen --out ~/keys/newsroom.key
  $ export ${SIGNING_KEY_FILE_ENV}=~/keys/newsroom.key && samizdat build`,
    )
    .action(async (opts: { out: string; json?: boolean }) => {
      const result = await writeKeyPair(path.resolve(io.cwd, opts.out));
      if (opts.json) {
        printJson(io, { ok: true, ...result });
        return;
      }
      io.stdout.write(
        `New signing key pair:\n` +
          `  private key  ${result.privateKeyFile}  (mode 0600: keep it secret, back it up offline)\n` +
          `  public key   ${result.publicKeyFile}\n` +
          `  fingerprint  ${result.fingerprint}\n\n` +
          `Sign builds with it:\n` +
          `  export ${SIGNING_KEY_FILE_ENV}=${shellQuote(result.privateKeyFile)}\n` +
          `Show the fingerprint on the mirrors page: set  publicKey: ${result.publicKeyFile}  in content/site.yaml\n` +
          `(relative to that file), and announce the fingerprint where readers can check it.\n`,
      );
      if (result.insideGitWorkTree) {
        io.stderr.write(
          `warning: ${result.privateKeyFile} is inside a git work tree and not ignored; add it to .gitignore or move it out, or it may be committed and published.\n`,
        );
      }
    });
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
