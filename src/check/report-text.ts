/** Turning a CheckReport into text for people. */
import { formatDuration, table } from '../push/report-text.ts';
import type { CheckReport, TargetCheck } from './types.ts';

const MARK: Record<TargetCheck['status'], string> = { ok: 'ok', stale: 'STALE', altered: 'ALTERED', unreachable: 'UNREACHABLE' };

export function formatCheckReport(report: CheckReport): string {
  const rows = [['mirror', 'status', 'reachable', 'publication', 'intact', 'files', 'feeds', 'latency']];
  for (const t of report.targets) {
    rows.push([
      t.name,
      MARK[t.status],
      t.reachable ? 'yes' : 'no',
      t.publication ? `${t.publication.date.slice(0, 10)}${t.fresh ? '' : ' (old)'}` : '-',
      t.reachable ? (t.intact ? 'yes' : 'no') : '-',
      t.files ? `${t.files.good}/${t.files.checked}${t.files.sampled !== undefined ? ' sampled' : ''}` : '-',
      t.feeds.length ? `${t.feeds.filter((f) => f.ok).length}/${t.feeds.length}` : '-',
      t.latencyMs !== undefined ? formatDuration(t.latencyMs) : '-',
    ]);
  }
  let text = `Newest publication: ${report.latest.id} (${report.latest.date.slice(0, 10)})${report.latest.cid ? `, ipfs://${report.latest.cid}/` : ''}\n\n`;
  text += report.targets.length ? table(rows, new Set([5, 6, 7])) + '\n' : 'No mirror has a public URL or folder to check.\n';
  for (const t of report.targets.filter((x) => x.problems.length)) {
    text += `\n${t.name} (${t.target}):\n`;
    for (const p of t.problems.slice(0, 20)) text += `  - ${p}\n`;
    if (t.problems.length > 20) text += `  … and ${t.problems.length - 20} more (see --json)\n`;
  }
  for (const s of report.skipped) text += `\n${s.name}: not checked: ${s.reason}`;
  if (report.skipped.length) text += '\n';
  const bad = report.targets.filter((t) => t.status !== 'ok');
  text += bad.length
    ? `\n${bad.length} of ${report.targets.length} mirror(s) need attention: ${bad.map((t) => `${t.name} ${MARK[t.status].toLowerCase()}`).join(', ')}.\n`
    : `\nAll ${report.targets.length} mirror(s) serve the newest publication, intact.\n`;
  return text;
}
