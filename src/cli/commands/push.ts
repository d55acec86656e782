import type { Command } from 'commander';
import type { CliIO } from '../io.ts';
import { SamizdatError } from '../../errors.ts';

// Placeholder until the stage lands: registered so --help lists the whole pipeline.
export function register(program: Command, _io: CliIO): void {
  program
    .command('push')
    .description('(not yet available)')
    .action(() => {
      throw new SamizdatError('NOT_IMPLEMENTED', 'samizdat push is not available yet.');
    });
}
