// recordingView keeps the questions a file's audit asked about the bundle, in the order first
// asked, with their answers: what the audit cache stores and replays. It was rewritten to build
// its "f:"/"d:" keys once at the end; it must record exactly what the plain Map did.
import { describe, expect, it } from 'vitest';
import { recordingView, type BundleQuery } from '../../src/audit/cache.ts';
import type { BundleView } from '../../src/audit/types.ts';

/** The implementation it replaced, as the reference. */
function oldRecordingView(bundle: BundleView): { view: BundleView; queries(): BundleQuery[] } {
  const asked = new Map<string, boolean>();
  const ask = (kind: 'f' | 'd', set: { has(p: string): boolean }) => ({
    has(p: string): boolean {
      const answer = set.has(p);
      asked.set(`${kind}:${p}`, answer);
      return answer;
    },
  });
  return { view: { files: ask('f', bundle.files), folders: ask('d', bundle.folders) }, queries: () => [...asked] };
}

describe('recordingView', () => {
  it('records the same questions, order and answers as a single Map keyed "f:path"/"d:path"', () => {
    const paths = ['', 'a', 'a/index.html', 'b', 'b/index.html', 'f:x', 'd:', 'x:y', 'gone.html', 'слово/index.html'];
    const files = new Set(['a/index.html', 'b/index.html', 'f:x']);
    const folders = new Set(['', 'a', 'b']);
    let seed = 7;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    for (let round = 0; round < 300; round++) {
      // A bundle whose answers change between asks: the last answer is the one kept.
      const liveFiles = new Set(files);
      const bundle = { files: { has: (p: string) => liveFiles.has(p) }, folders };
      const mine = recordingView(bundle);
      const old = oldRecordingView(bundle);
      for (let i = next(40); i > 0; i--) {
        const p = paths[next(paths.length)]!;
        if (next(10) === 0) liveFiles.add(p);
        const kind = next(2) === 0 ? 'files' : 'folders';
        expect(mine.view[kind].has(p)).toBe(old.view[kind].has(p));
      }
      expect(mine.queries()).toEqual(old.queries());
    }
  });
});
