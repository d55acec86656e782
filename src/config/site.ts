import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument, LineCounter } from 'yaml';
import * as z from 'zod';
import { AggregateInputError, InputError } from '../errors.ts';
import { zodProblems } from './schema-problems.ts';
import { SITE_FILES } from './site-files.ts';

/** Site settings, from `content/site.yaml` (or `site.json`). Every field is optional. */
export const siteSettingsSchema = z
  .object({
    /** Shown in the header, the feeds and the mirrors page. */
    title: z.string().min(1).default('samizdat'),
    description: z.string().default(''),
    /** Short machine name: the zip is `<name>.zip`, the manifest names the site with it. */
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lowercase letters, digits and dashes')
      .default('samizdat'),
    /** BCP 47 language of the site; articles default to it. */
    lang: z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a language tag such as "en" or "ru"').default('en'),
    /** Articles per page on the home page and archive lists. */
    pageSize: z.number().int().min(1).max(1000).default(20),
    /** Articles in each feed. */
    feedSize: z.number().int().min(1).max(1000).default(50),
    /** Tor onion address of a mirror, e.g. "http://xyz….onion/". */
    onion: z.string().regex(/^https?:\/\/[a-z2-7]{56}\.onion\/?$/, 'an http(s)://<56 characters>.onion/ address').optional(),
    /** IPNS key name (k51…) under which the latest publication is announced. */
    ipns: z.string().min(1).optional(),
    /** DNSLink domain whose _dnslink TXT record points at the latest publication. */
    dnslink: z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'a domain name such as "news.example.org"').optional(),
    /** Public IPFS gateways whose links go on the mirrors page and into the report. */
    gateways: z.array(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}(:\d+)?$/i, 'a gateway host name such as "ipfs.io"')).default(['ipfs.io', 'dweb.link', '4everland.io']),
    /** Public key file (PEM, Ed25519) whose fingerprint goes on the mirrors page. Relative to this file. */
    publicKey: z.string().optional(),
    /** Extra outbound contact points for blocked readers (Telegram channel, email…), shown on the mirrors page. */
    contacts: z.array(z.object({ label: z.string().min(1), url: z.string().url() })).default([]),
    /** IPFS settings of `samizdat pin` / `serve`. */
    ipfs: z
      .object({
        /** Folder of the local block store, relative to the project root. Default `.samizdat/ipfs`. */
        blockstore: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type SiteSettings = z.infer<typeof siteSettingsSchema>;

export { SITE_FILES };

/**
 * Reads the site settings from the content folder. A folder without a settings file gets the
 * defaults. Every problem in the file is reported at once.
 */
export async function loadSiteSettings(contentDir: string): Promise<{ settings: SiteSettings; file?: string }> {
  for (const name of SITE_FILES) {
    const file = path.join(contentDir, name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new InputError('CONFIG_UNREADABLE', `cannot read the site settings: ${(err as Error).message}`, { file, cause: err });
    }
    return { settings: parseSiteSettings(text, file), file };
  }
  return { settings: siteSettingsSchema.parse({}) };
}

export function parseSiteSettings(text: string, file: string): SiteSettings {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length) {
    const problems = doc.errors.map(
      (e) =>
        new InputError('CONFIG_SYNTAX', `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${e.message.split('\n')[0]}`, {
          file,
          line: e.linePos?.[0]?.line,
          hint: 'Fix the syntax at that line.',
        }),
    );
    throw new AggregateInputError(`${file}: the site settings cannot be read`, problems, { file });
  }
  const result = siteSettingsSchema.safeParse(doc.toJS() ?? {});
  if (!result.success) {
    const lineOf = (p: PropertyKey[]) => {
      const node = doc.getIn(p as (string | number)[], true) as { range?: [number, number] } | undefined;
      return node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
    };
    throw new AggregateInputError(`${file}: the site settings have ${result.error.issues.length} problem(s)`, zodProblems(file, result.error, lineOf), { file });
  }
  return result.data;
}
