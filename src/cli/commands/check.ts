import type { Command } from 'commander';
import type { CliIO } from '../io.ts';
import { SamizdatError } from '../../errors.ts';

// Placeholder until the stage lands: registered so --help lists the whole pipeline.
export function register(program: Command, _io: CliIO): void {
  program
    .command('check')
    .description('(not yet available)')
    .action(() => {
      throw new SamizdatError('NOT_IMPLEMENTED', 'samizdat check is not available yet.');
    });
}
