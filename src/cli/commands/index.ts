import type { Command } from 'commander';
import type { CliIO } from '../io.ts';

type Register = (program: Command, io: CliIO) => void;

/**
 * Every command, in pipeline order (the order --help lists them), each module loaded only when
 * needed: `samizdat build …` loads the build command alone (main.ts), not the others and what
 * they import.
 */
export const commands: Array<{ name: string; load: () => Promise<Register> }> = [
  { name: 'build', load: async () => (await import('./build.ts')).register },
  { name: 'ingest', load: async () => (await import('./ingest.ts')).register },
  { name: 'keygen', load: async () => (await import('./keygen.ts')).register },
  { name: 'pack', load: async () => (await import('./pack.ts')).register },
  { name: 'verify', load: async () => (await import('./verify.ts')).register },
  { name: 'pin', load: async () => (await import('./pin.ts')).register },
  { name: 'serve', load: async () => (await import('./serve.ts')).register },
  { name: 'push', load: async () => (await import('./push.ts')).register },
  { name: 'check', load: async () => (await import('./check.ts')).register },
  { name: 'publish', load: async () => (await import('./publish.ts')).register },
];
