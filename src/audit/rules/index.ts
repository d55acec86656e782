// The audit's rules as a named table, in the order they run (like markdown-it's rule chains).
// Each rule lives in its own module; asking for one that does not exist throws with its name.
import { InputError } from '../../errors.ts';
import type { AuditRule } from '../types.ts';
import { bundleFiles } from './bundle-files.ts';
import { charsetUtf8 } from './charset-utf8.ts';
import { forbiddenElements } from './forbidden-elements.ts';
import { internalLinks } from './internal-links.ts';
import { metaHttpEquiv } from './meta-http-equiv.ts';
import { noDangerousUrls } from './no-dangerous-urls.ts';
import { noEventHandlers } from './no-event-handlers.ts';
import { noExternalLoads } from './no-external-loads.ts';
import { noScript } from './no-script.ts';
import { outboundLinkRel } from './outbound-link-rel.ts';
import { pageCsp } from './page-csp.ts';
import { pageReferrer } from './page-referrer.ts';
import { wellFormed } from './well-formed.ts';

export const RULES: readonly AuditRule[] = [
  bundleFiles,
  wellFormed,
  charsetUtf8,
  noScript,
  noEventHandlers,
  noDangerousUrls,
  forbiddenElements,
  metaHttpEquiv,
  noExternalLoads,
  internalLinks,
  outboundLinkRel,
  pageCsp,
  pageReferrer,
];

export const RULE_NAMES: readonly string[] = RULES.map((r) => r.name);

/** The rule with this name; throws an InputError naming it (and the known ones) if there is none. */
export function getRule(name: string): AuditRule {
  const rule = RULES.find((r) => r.name === name);
  if (!rule) {
    throw new InputError('AUDIT_UNKNOWN_RULE', `There is no audit rule named "${name}".`, {
      hint: `Known rules: ${RULE_NAMES.join(', ')}.`,
    });
  }
  return rule;
}

/** The named rules (all of them when no names are given), in table order. */
export function selectRules(names?: readonly string[]): AuditRule[] {
  if (names === undefined) return [...RULES];
  const wanted = new Set(names.map((n) => getRule(n).name));
  return RULES.filter((r) => wanted.has(r.name));
}
