/**
 * Defence in depth: adapters never put secrets in errors, but a server may echo one back (a
 * URL with a token, an auth header in a message). Every value of an environment variable the
 * mirror file names (fields ending in "Env") is blanked from anything push reports.
 */
import type { MirrorConfig } from '../mirrors/config.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export function secretValues(config: MirrorConfig, env: Env): string[] {
  const values: string[] = [];
  const visit = (value: unknown, key: string): void => {
    if (typeof value === 'string' && /Env$/.test(key)) {
      const secret = env[value];
      if (secret && secret.length >= 4) values.push(secret, encodeURIComponent(secret));
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    }
  };
  visit(config, '');
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}
