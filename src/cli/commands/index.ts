import type { Command } from 'commander';
import type { CliIO } from '../io.ts';
import { register as build } from './build.ts';
import { register as ingest } from './ingest.ts';
import { register as keygen } from './keygen.ts';
import { register as pack } from './pack.ts';
import { register as verify } from './verify.ts';
import { register as pin } from './pin.ts';
import { register as serve } from './serve.ts';
import { register as push } from './push.ts';
import { register as check } from './check.ts';
import { register as publish } from './publish.ts';

/** Every command, in pipeline order (the order --help lists them). */
export const commands: Array<(program: Command, io: CliIO) => void> = [
  build, ingest, keygen, pack, verify, pin, serve, push, check, publish,
];
