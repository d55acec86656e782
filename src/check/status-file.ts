// When each mirror was last seen genuine and fresh: the next build puts it into mirrors.json,
// so readers' apps can prefer mirrors that were verified recently.
import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TargetCheck } from './types.ts';

export interface MirrorStatusEntry {
  target: string;
  lastVerified: string;
  publication: string;
}

export type MirrorStatus = Record<string, MirrorStatusEntry>;

export const MIRROR_STATUS_FILE = 'mirror-status.json';

export async function readMirrorStatus(file: string): Promise<MirrorStatus> {
  try {
    // Synchronously: a small file (or none) that every build reads, where an asynchronous read is
    // a thread-pool round trip waiting for a core.
    const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return data && typeof data === 'object' && !Array.isArray(data) ? (data as MirrorStatus) : {};
  } catch {
    // Missing or damaged: it is a cache of facts the next check re-establishes.
    return {};
  }
}

/** Records every target found ok at `when`; keeps older entries of targets not ok now. */
export async function recordMirrorStatus(file: string, checks: readonly TargetCheck[], when: string): Promise<void> {
  const status = await readMirrorStatus(file);
  for (const c of checks) {
    if (c.status === 'ok' && c.publication) status[c.target] = { target: c.target, lastVerified: when, publication: c.publication.id };
  }
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(status, null, 2) + '\n');
  await rename(tmp, file);
}
