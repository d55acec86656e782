/** Turning a PushReport into text for people. Pure functions: the CLI decides where it goes. */
import type { HostReport, PublicationRef, PushReport } from './types.ts';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) (v /= 1024), i++;
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** "2 June 2026" (UTC), or the raw value when it is not a date. */
export function formatPublicationDate(p: PublicationRef): string {
  const d = new Date(p.date);
  if (Number.isNaN(d.getTime())) return p.date;
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** What a failed host still gives readers, in one sentence. */
export function servingSentence(host: HostReport, local?: PublicationRef): string {
  const s = host.serving;
  if (!s || s.source === 'unknown') return `${host.name} was not updated; which publication it serves is unknown (it could not be reached and was never pushed to from here)`;
  if (!s.publication) return `${host.name} was not updated and has no samizdat publication yet`;
  const when = formatPublicationDate(s.publication);
  if (local && s.publication.id === local.id) return `${host.name} serves the new publication of ${when}, but its stale files could not all be removed`;
  const learnt = s.source === 'last-push' ? ' (as of the last push from here: it could not be reached)' : '';
  return `${host.name} was not updated and still serves the publication of ${when}${learnt}`;
}

export function table(rows: string[][], rightAligned: Set<number>): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  return rows
    .map((r) => r.map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}

/** The end-of-push table, one row per host, then one line per failed host. */
export function formatReportTable(report: PushReport): string {
  if (report.hosts.length === 0) return 'No file mirrors to push to: add a file per mirror to the mirrors folder (mirrors/<name>.json).\n';
  const verb = report.dryRun ? 'would ' : '';
  const header = ['mirror', 'type', 'status', `${verb}upload`, `${verb}delete`, 'unchanged', 'bytes', 'time'];
  const rows = report.hosts.map((h) => [
    h.name,
    h.type,
    report.dryRun && h.status === 'updated' ? 'would update' : h.status,
    String(h.uploaded),
    String(h.deleted),
    String(h.unchanged),
    formatBytes(h.bytes),
    formatDuration(h.durationMs),
  ]);
  let out = `${report.dryRun ? 'Dry run (nothing was changed): ' : ''}publication ${report.publication.id} of ${formatPublicationDate(report.publication)}\n\n`;
  out += table([header, ...rows], new Set([3, 4, 5, 6, 7])) + '\n';
  const failed = report.hosts.filter((h) => h.status === 'failed');
  if (failed.length) {
    out += '\n';
    for (const h of failed) {
      out += `✗ ${servingSentence(h, report.publication)}.\n    ${h.error?.message ?? 'unknown error'}\n`;
      if (h.error?.hint) out += `    → ${h.error.hint}\n`;
    }
  }
  const foreign = report.hosts.filter((h) => h.foreign > 0);
  for (const h of foreign) out += `note: ${h.name} holds ${h.foreign} file(s) no samizdat push put there; they were left alone.\n`;
  return out;
}

/** Dry run: what each host would get, in the order push would send it. */
export function formatDryRun(report: PushReport, maxPerHost = 50): string {
  let out = '';
  for (const h of report.hosts) {
    if (!h.plan) continue;
    out += `${h.name}: ${h.plan.upload.length} to upload, ${h.plan.delete.length} to delete\n`;
    const lines = [...h.plan.upload.map((p) => `  + ${p}`), ...h.plan.delete.map((p) => `  - ${p}`)];
    out += lines.slice(0, maxPerHost).join('\n') + (lines.length ? '\n' : '');
    if (lines.length > maxPerHost) out += `  … and ${lines.length - maxPerHost} more (--json lists them all)\n`;
  }
  return out;
}
