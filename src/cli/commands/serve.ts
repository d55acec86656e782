import type { Command } from 'commander';
import { InputError } from '../../errors.ts';
import type { CliIO } from '../io.ts';

export function register(program: Command, io: CliIO): void {
  program
    .command('serve')
    .description('Preview on 127.0.0.1: the bundle at /, and what IPFS gateway readers see at /ipfs/<cid>/ (read from the local block store).')
    .option('--port <n>', 'port (0 picks a free one)', '8080')
    .option('--site <dir>', 'the built bundle served at /', 'dist/site')
    .option('--content <dir>', 'the content folder with site.yaml', 'content')
    .option('--blockstore <dir>', 'the local block store (default: ipfs.blockstore in site.yaml, else .samizdat/ipfs)')
    .addHelpText(
      'after',
      `
Listens on 127.0.0.1 only. Run \`samizdat pin\` first so /ipfs/<cid>/ has blocks to serve.
Stop with Ctrl-C.

Examples:
  $ samizdat serve
  $ samizdat serve --port 9000 --site dist/site`,
    )
    .action(async (opts: { port: string; site?: string; content?: string; blockstore?: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InputError('BAD_PORT', `--port ${opts.port} is not a port number`, { hint: 'Give a number from 1 to 65535, or 0 for any free port.' });
      const { resolveIpfsPaths } = await import('../../ipfs/cli-context.ts');
      const paths = await resolveIpfsPaths(io.cwd, opts);
      // The IPFS libraries load only when serving.
      const [{ openBlockstore }, { readPublications }, { startPreviewServer }] = await Promise.all([
        import('../../ipfs/blockstore.ts'),
        import('../../ipfs/publications.ts'),
        import('../../ipfs/serve.ts'),
      ]);
      const blockstore = await openBlockstore(paths.blockstoreDir);
      const server = await startPreviewServer({
        siteDir: paths.siteDir,
        blockstore,
        port,
        onRequest: (r) => io.stderr.write(`${r.status} ${r.method} ${r.url}\n`),
      });
      const latest = (await readPublications(paths.blockstoreDir))[0];
      io.stdout.write(`Serving ${paths.siteDir} at ${server.url}\n`);
      if (latest) io.stdout.write(`Latest publication, from IPFS blocks: ${server.url}ipfs/${latest.cid}/\n`);
      else io.stdout.write(`No publication in ${paths.blockstoreDir} yet: run \`samizdat pin\` to preview /ipfs/<cid>/.\n`);
      io.stdout.write('Press Ctrl-C to stop.\n');
      await new Promise<void>((resolve) => {
        const stop = () => (process.off('SIGINT', stop), process.off('SIGTERM', stop), server.close().then(resolve));
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
