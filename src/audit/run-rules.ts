// Documents through rules: every rule over every document, findings reported once each.
import type { AuditDocument, AuditFinding, AuditRule, BundleView, RuleContext } from './types.ts';

export function runRules(docs: AuditDocument[], rules: AuditRule[], bundle: BundleView): AuditFinding[] {
  const findings: AuditFinding[] = [];
  const seen = new Set<string>();
  // One context for all the checks, told which document and rule it reports for.
  let doc = docs[0]!;
  let rule = rules[0]!;
  const ctx: RuleContext = {
    bundle,
    report: ({ line, message }) => {
      const key = `${doc.file}\0${line}\0${rule.name}\0${message}`;
      if (seen.has(key)) return;
      seen.add(key);
      findings.push({ file: doc.file, ...(line === undefined ? {} : { line }), rule: rule.name, message });
    },
  };
  for (doc of docs) {
    for (rule of rules) rule.check(doc, ctx);
  }
  return findings;
}
