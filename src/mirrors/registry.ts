/**
 * The named table of mirror host types (like markdown-it's rule table): each type brings its
 * own zod schema for the fields it adds to a mirror file, and, for kind 'files', a factory for
 * its MirrorHost. Adding a type is one import and one line in `hostTypes` below.
 *
 * kind 'files': the bundle's files are copied there (folder, s3, sftp, webdav, git).
 * kind 'pin':   the CAR / CID is pinned there (kubo, pinning-service); `samizdat pin` uses it.
 */
import type * as z from 'zod';
import { InputError } from '../errors.ts';
import type { MirrorConfig } from './config.ts';
import type { MirrorHost } from './host.ts';
import type { HostContext, HostType, TypedMirrorConfig } from './host-type.ts';
import { folderHostType } from './hosts/folder.ts';
import { s3HostType } from './hosts/s3.ts';
import { sftpHostType } from './hosts/sftp.ts';
import { webdavHostType } from './hosts/webdav.ts';
import { gitHostType } from './hosts/git.ts';
import { kuboPinType, pinningServicePinType } from '../ipfs/remote/index.ts';

export type { FilesHostType, HostContext, HostType, PinHostType, TypedMirrorConfig } from './host-type.ts';
export { defineFilesHostType, definePinHostType } from './host-type.ts';

/** Every known `type:` value of a mirror file. Keep the order: it is the order of the docs. */
export const hostTypes: Record<string, HostType> = {
  folder: folderHostType,
  s3: s3HostType,
  sftp: sftpHostType,
  webdav: webdavHostType,
  git: gitHostType,
  kubo: kuboPinType,
  'pinning-service': pinningServicePinType,
};

export function hostTypeNames(): string[] {
  return Object.keys(hostTypes);
}

/** The entry for `type`, or an InputError that names it and lists the known ones. */
export function getHostType(type: string, file?: string): HostType {
  const entry = Object.hasOwn(hostTypes, type) ? hostTypes[type] : undefined;
  if (!entry) {
    throw new InputError('MIRROR_UNKNOWN_TYPE', `unknown mirror type ${JSON.stringify(type)}; known types: ${hostTypeNames().join(', ')}`, {
      file,
      hint: 'Set "type" to one of the known types.',
    });
  }
  return entry;
}

/**
 * Builds the MirrorHost for one validated mirror config (from loadMirrorConfigs). Secrets are
 * read from `context.env` here, by the names the file gives; a missing one is an InputError that
 * names the variable. Pin types are not file hosts: asking for one throws.
 */
export function createMirrorHost(config: MirrorConfig, context: HostContext = { env: process.env }): MirrorHost {
  const entry = getHostType(config.type, config.file);
  if (entry.kind !== 'files') {
    throw new InputError('MIRROR_NOT_FILE_HOST', `mirror ${config.name} is a ${config.type} pinning target, not a file host`, {
      file: config.file,
      hint: '`samizdat pin` uses it; `samizdat push` skips it.',
    });
  }
  return entry.create(config as TypedMirrorConfig<z.ZodObject>, context);
}
