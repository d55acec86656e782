import type { FeedCheck } from './feeds.ts';

export type TargetStatus = 'ok' | 'stale' | 'altered' | 'unreachable';

/** What check found on one mirror or gateway. */
export interface TargetCheck {
  /** Mirror name, or "ipfs:<gateway>" for a gateway. */
  name: string;
  kind: 'mirror' | 'gateway';
  /** URL or folder that was checked. */
  target: string;
  status: TargetStatus;
  /** The manifest could be fetched. */
  reachable: boolean;
  /** It serves the newest publication. */
  fresh: boolean;
  /** Its signature is acceptable and every checked file matches its manifest. */
  intact: boolean;
  /** The publication it serves, when its manifest could be read. */
  publication?: { id: string; date: string };
  /** Milliseconds until its manifest had arrived. */
  latencyMs?: number;
  files?: { checked: number; good: number; sampled?: number };
  feeds: FeedCheck[];
  /** One line per problem, for people (file names included). */
  problems: string[];
}

export interface SkippedTarget {
  name: string;
  reason: string;
}

export interface CheckReport {
  /** The newest publication: what every mirror should serve. */
  latest: { id: string; date: string; cid?: string };
  checkedAt: string;
  targets: TargetCheck[];
  skipped: SkippedTarget[];
  /** True when every target is reachable, fresh and intact. */
  ok: boolean;
}

export type CheckEvent =
  | { type: 'target-start'; name: string; target: string }
  | { type: 'target-done'; check: TargetCheck };
