/**
 * `text` with every secret value (and every line of a multi-line secret, such as a key file)
 * replaced by "[secret]". Used on messages from libraries and child processes before they go
 * into an error, so a secret never reaches a log or a report.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    const pieces = [secret, ...secret.split(/\r?\n/).map((l) => l.trim())].filter((p) => p.length >= 8);
    for (const piece of pieces.sort((a, b) => b.length - a.length)) out = out.split(piece).join('[secret]');
  }
  return out;
}
