/**
 * Folds push events into one line per host, for a terminal progress display. Pure: the CLI
 * owns the terminal and decides when to redraw.
 */
import { formatBytes } from './report-text.ts';
import type { PushEvent } from './types.ts';

interface HostLine {
  name: string;
  phase: 'connecting' | 'planning' | 'sending' | 'done';
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  note?: string;
}

export class PushProgressState {
  private hosts = new Map<string, HostLine>();

  apply(e: PushEvent): void {
    const line = this.hosts.get(e.host) ?? { name: e.host, phase: 'connecting', filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 };
    this.hosts.set(e.host, line);
    switch (e.type) {
      case 'host-start':
        line.phase = 'connecting';
        break;
      case 'host-plan':
        line.phase = 'sending';
        line.filesTotal = e.upload;
        line.bytesTotal = e.uploadBytes;
        break;
      case 'host-progress':
        line.phase = 'sending';
        line.filesDone = e.filesDone;
        line.filesTotal = e.filesTotal;
        line.bytesDone = e.bytesDone;
        line.bytesTotal = e.bytesTotal;
        line.note = undefined;
        break;
      case 'host-retry':
        line.note = `retry ${e.attempt} in ${Math.round(e.delayMs / 100) / 10} s (${e.error.code})`;
        break;
      case 'host-done':
        line.phase = 'done';
        line.note = e.report.status;
        break;
    }
  }

  /** One line per host: name, bar, files, bytes, and what is happening. */
  lines(columns = 80): string[] {
    // Some terminals (and `script`) report 0 columns.
    const width = columns >= 40 ? columns : 80;
    const nameWidth = Math.min(20, Math.max(4, ...[...this.hosts.keys()].map((n) => n.length)));
    const barWidth = Math.max(10, Math.min(30, width - nameWidth - 50));
    return [...this.hosts.values()].map((h) => {
      const ratio = h.bytesTotal > 0 ? h.bytesDone / h.bytesTotal : h.filesTotal > 0 ? h.filesDone / h.filesTotal : h.phase === 'done' && h.note !== 'failed' ? 1 : 0;
      const filled = Math.round(Math.min(1, ratio) * barWidth);
      const bar = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]`;
      const counts = h.phase === 'connecting' ? 'connecting…' : `${h.filesDone}/${h.filesTotal} files  ${formatBytes(h.bytesDone)}/${formatBytes(h.bytesTotal)}`;
      const text = `${h.name.slice(0, nameWidth).padEnd(nameWidth)} ${bar} ${counts}${h.note ? `  ${h.note}` : ''}`;
      return text.length > width ? text.slice(0, width - 1) + '…' : text;
    });
  }
}
