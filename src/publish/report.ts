// dist/publish.json: the run's report, for people reading it after the fact and for programs
// (check reads the newest CID from it).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CheckReport } from '../check/index.ts';
import type { PublicationLinks } from '../ipfs/index.ts';
import type { RemotePinResult } from '../ipfs/index.ts';
import type { HostReport } from '../push/index.ts';

export const PUBLISH_REPORT_FILE = 'publish.json';

export type StageName = 'build' | 'pack' | 'pin' | 'push' | 'check';

export interface StageReport {
  stage: StageName;
  status: 'ok' | 'failed' | 'skipped';
  durationMs: number;
  /** For content or config problems: every one, with where it is. */
  error?: { code: string; message: string; hint?: string; problems?: Array<{ where?: string; message: string }> };
  /** Why a stage did not run. */
  reason?: string;
}

export interface PublishReport {
  samizdat: string;
  startedAt: string;
  ok: boolean;
  publication?: { id: string; date: string; signer?: string; articles: number; pages: number };
  zip?: { path: string; sha256: string; bytes: number };
  ipfs?: { cid: string; car: string; links: PublicationLinks; remote: RemotePinResult[] };
  mirrors: HostReport[];
  check?: CheckReport;
  stages: StageReport[];
}

export async function writePublishReport(distDir: string, report: PublishReport): Promise<string> {
  const file = path.join(distDir, PUBLISH_REPORT_FILE);
  await mkdir(distDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(report, null, 2) + '\n');
  await rename(tmp, file);
  return file;
}

/** The last publish report, or undefined when there is none (or it cannot be read). */
export async function readPublishReport(distDir: string): Promise<PublishReport | undefined> {
  try {
    return JSON.parse(await readFile(path.join(distDir, PUBLISH_REPORT_FILE), 'utf8')) as PublishReport;
  } catch {
    return undefined;
  }
}
