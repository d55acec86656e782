/**
 * The verdict of a parser shortcut's self check (./fast-text.ts, ./fast-xml.ts): reached at most
 * once per process. `check(true)` runs the full check with its probe documents; `check(false)`
 * only the cheap checks of version and internals, for when the audit cache says the probes
 * passed before with this very code and these parser versions.
 */
export interface SelfCheck {
  /** Whether the shortcut may be used (runs the full check the first time). */
  usable(): boolean;
  /** The probes passed before for this code: only the cheap checks run, if no verdict yet. */
  checkedBefore(): void;
  /** The verdict, if it was reached in this process (never runs the check). */
  verdict(): boolean | undefined;
}

export function selfCheck(check: (probes: boolean) => boolean): SelfCheck {
  let verdict: boolean | undefined;
  return {
    usable: () => (verdict ??= check(true)),
    checkedBefore: () => {
      verdict ??= check(false);
    },
    verdict: () => verdict,
  };
}
