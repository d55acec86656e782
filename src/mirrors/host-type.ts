/**
 * The shape of one entry of the host type table (registry.ts). Kept apart from the table so a
 * host module can import it without importing every other host.
 */
import type * as z from 'zod';
import type { MirrorConfig } from './config.ts';
import type { MirrorEnv } from './env.ts';
import type { MirrorHost } from './host.ts';

/** What a factory gets besides the config: the environment secrets are looked up in. */
export interface HostContext {
  env: MirrorEnv;
}

/** A validated mirror file: the common fields plus this type's own, parsed by its schema. */
export type TypedMirrorConfig<S extends z.ZodObject> = MirrorConfig & z.output<S>;

export interface FilesHostType<S extends z.ZodObject = z.ZodObject> {
  kind: 'files';
  /** One line for `--help`, the README and the JSON Schema's description. */
  summary: string;
  /** Fields this type adds to a mirror file (the common ones are added by config.ts); unknown keys are refused. */
  schema: S;
  /** Builds the host; must not do I/O (connect() does). Throws InputError for a missing secret. */
  create(config: TypedMirrorConfig<S>, context: HostContext): MirrorHost;
}

export interface PinHostType<S extends z.ZodObject = z.ZodObject, P = unknown> {
  kind: 'pin';
  summary: string;
  schema: S;
  /** Builds the pinning client (its interface belongs to the pin stage). */
  create?(config: TypedMirrorConfig<S>, context: HostContext): P;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry has its own schema type
export type HostType = FilesHostType<any> | PinHostType<any, any>;

/** Helpers that keep each entry's config type tied to its schema. */
export const defineFilesHostType = <S extends z.ZodObject>(type: Omit<FilesHostType<S>, 'kind'>): FilesHostType<S> => ({ kind: 'files', ...type });
export const definePinHostType = <S extends z.ZodObject, P>(type: Omit<PinHostType<S, P>, 'kind'>): PinHostType<S, P> => ({ kind: 'pin', ...type });
