import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.ts';
import { ExitError, printError, type CliIO } from './io.ts';
import { VERSION } from '../version.ts';

/**
 * The program with its commands: only the one named first in argv when there is one (its
 * module alone is loaded: a rebuild starts sooner), else all of them (help, suggestions).
 */
export async function createProgram(io: CliIO, argv: string[] = []): Promise<Command> {
  const program = new Command('samizdat')
    .description('Turns a newsroom\'s articles into a JavaScript-free static site and puts identical, signed copies on many mirrors at once.')
    .version(VERSION)
    .showSuggestionAfterError(true)
    .showHelpAfterError('(add --help for usage and examples)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  const named = commands.find((c) => c.name === argv[0]);
  for (const register of await Promise.all((named ? [named] : commands).map((c) => c.load()))) register(program, io);
  return program;
}

/** The CLI entry point: returns the exit code; the only place that turns errors into one. */
export async function main(argv: string[], io: Partial<CliIO> = {}): Promise<number> {
  const full: CliIO = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
    exitCode: 0,
  };
  try {
    const program = await createProgram(full, argv);
    await program.parseAsync(argv, { from: 'user' });
    return full.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version end with code 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof ExitError) return err.exitCode;
    printError(full, err);
    return 1;
  }
}
