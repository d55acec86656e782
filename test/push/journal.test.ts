/** The resume journal: what an unfinished push sent, valid only against the manifest it began from. */
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PushJournal } from '../../src/push/journal.ts';
import { tempDir } from '../support/net.ts';

let work: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => (work = await tempDir('samizdat-journal-')));
afterEach(() => work.cleanup());

describe('PushJournal', () => {
  it('survives a restart: what was recorded is resumable from the same remote manifest only', async () => {
    const j = await PushJournal.open(work.dir, 'eu', 'cfg1');
    await j.begin('old-manifest');
    j.recordPut('a.html', 'aa'.repeat(32), 10);
    j.recordPut('b.css', 'bb'.repeat(32), 20);
    await j.flush();
    // a kill mid-write leaves half a line: ignored
    await appendFile(path.join(work.dir, 'eu.journal.jsonl'), '{"p":"c.ht');
    const again = await PushJournal.open(work.dir, 'eu', 'cfg1');
    expect([...again.view('old-manifest').put.keys()].sort()).toEqual(['a.html', 'b.css']);
    expect(again.view('someone-else-pushed').put.size).toBe(0);
    expect(again.view(null).put.size).toBe(0);
    const otherTarget = await PushJournal.open(work.dir, 'eu', 'cfg2');
    expect(otherTarget.view('old-manifest').put.size).toBe(0);
  });

  it('stays valid across the manifest switch and remembers the stale files still to remove', async () => {
    const j = await PushJournal.open(work.dir, 'eu', 'cfg1');
    await j.begin(null);
    j.recordPut('new.html', 'cc'.repeat(32), 5);
    await j.beforeManifest('new-manifest', ['gone.html']);
    const again = await PushJournal.open(work.dir, 'eu', 'cfg1');
    for (const base of [null, 'new-manifest']) {
      const v = again.view(base);
      expect(v.put.has('new.html')).toBe(true);
      expect(v.owned.has('gone.html')).toBe(true);
    }
  });

  it('a finished push clears the journal and records what the host serves', async () => {
    const j = await PushJournal.open(work.dir, 'eu', 'cfg1');
    await j.begin('m');
    j.recordPut('x', 'dd'.repeat(32), 1);
    await j.finish({ id: '2026-06-02-abc', date: '2026-06-02T00:00:00Z' });
    const again = await PushJournal.open(work.dir, 'eu', 'cfg1');
    expect(again.view('m').put.size).toBe(0);
    expect(await again.lastPushed()).toEqual({ id: '2026-06-02-abc', date: '2026-06-02T00:00:00Z' });
    expect(await (await PushJournal.open(work.dir, 'eu', 'cfg-other')).lastPushed()).toBeUndefined();
    await expect(readFile(path.join(work.dir, 'eu.journal.jsonl'))).rejects.toThrow();
  });
});
