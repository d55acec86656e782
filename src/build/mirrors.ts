/**
 * What the mirrors page and mirrors.json say: every enabled mirror's URL, IPFS gateway link
 * forms for the IPNS/DNSLink name (the bundle cannot contain its own CID), the onion address,
 * contacts, and the fingerprint of the key that signs the manifest.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SiteSettings } from '../config/site.ts';
import { InputError } from '../errors.ts';
import { loadMirrorEntriesValidated } from '../config/validated.ts';
import { publicKeyFingerprint } from '../manifest/index.ts';
import { compareCodeUnits } from '../content/index.ts';
import { MIRROR_STATUS_FILE, readMirrorStatus } from '../check/status-file.ts';

export interface MirrorLink {
  /** Who serves it ("eu-s3", "IPFS via ipfs.io", "Tor"). */
  label: string;
  url: string;
  kind: 'mirror' | 'ipfs' | 'tor';
  /** When `samizdat check` last found this mirror genuine and fresh (from .samizdat/mirror-status.json). */
  lastVerified?: string;
}

export interface MirrorsInfo {
  mirrors: MirrorLink[];
  ipfs: MirrorLink[];
  /** "ipns://k51…" / "ipns://news.example.org": for IPFS-aware browsers. */
  ipnsNames: string[];
  onion?: string;
  contacts: Array<{ label: string; url: string }>;
  zipName: string;
  fingerprint?: string;
}

export async function loadMirrorsInfo(
  site: SiteSettings,
  options: { mirrorsDir?: string; settingsFile?: string; signingFingerprint?: string; cacheDir?: string },
): Promise<MirrorsInfo> {
  // Validated only when a mirror file changed (config/validated.ts).
  const configs = options.mirrorsDir ? await loadMirrorEntriesValidated(options.mirrorsDir, options.cacheDir) : [];
  // The check stage records, beside mirrors/, when each mirror was last seen genuine and fresh.
  const status = options.mirrorsDir ? await readMirrorStatus(path.join(path.dirname(path.resolve(options.mirrorsDir)), '.samizdat', MIRROR_STATUS_FILE)) : {};
  const mirrors: MirrorLink[] = configs
    .filter((c) => c.enabled && typeof c.url === 'string' && /^https?:\/\//i.test(c.url))
    .map((c) => {
      const lastVerified = status[c.url!]?.lastVerified;
      return { label: c.name, url: c.url!, kind: 'mirror' as const, ...(lastVerified ? { lastVerified } : {}) };
    })
    .sort((a, b) => compareCodeUnits(a.label, b.label));

  const names = [site.ipns, site.dnslink].filter((n): n is string => Boolean(n));
  const ipfs: MirrorLink[] = [];
  for (const name of names) {
    for (const gw of site.gateways) ipfs.push({ label: `${name} via ${gw}`, url: `https://${gw}/ipns/${name}/`, kind: 'ipfs' });
    // Subdomain gateways give each site its own origin; DNSLink names put dashes for dots.
    const sub = site.dnslink === name ? name.replace(/-/g, '--').replace(/\./g, '-') : name;
    ipfs.push({ label: `${name} via dweb.link (subdomain)`, url: `https://${sub}.ipns.dweb.link/`, kind: 'ipfs' });
  }

  let fingerprint = options.signingFingerprint;
  if (site.publicKey) {
    const file = path.resolve(options.settingsFile ? path.dirname(options.settingsFile) : '.', site.publicKey);
    let pem: string;
    try {
      pem = await readFile(file, 'utf8');
    } catch (err) {
      throw new InputError('PUBLIC_KEY_UNREADABLE', `cannot read the public key ${site.publicKey} named in the site settings`, {
        ...(options.settingsFile ? { file: options.settingsFile } : {}),
        hint: 'Write the path of the .pub file made by `samizdat keygen`, relative to the settings file, or remove "publicKey".',
        cause: err,
      });
    }
    fingerprint = publicKeyFingerprint(pem);
  }
  return {
    mirrors,
    ipfs,
    ipnsNames: names.map((n) => `ipns://${n}`),
    ...(site.onion ? { onion: site.onion.replace(/\/?$/, '/') } : {}),
    contacts: site.contacts,
    zipName: `${site.name}.zip`,
    ...(fingerprint ? { fingerprint } : {}),
  };
}

/**
 * mirrors.json in the bypass-mirrors list format, version 2.0 ("sites" → "main_domain" and
 * "available_alternatives" of { proto, type, url, created_at, updated_at }), as read by
 * Bypass Censorship's browser extension and apps. Dates are the publication's (no clock).
 */
export function mirrorsJson(site: SiteSettings, info: MirrorsInfo, publicationDate: string): string {
  const mainDomain = site.dnslink ?? hostOf(info.mirrors[0]?.url) ?? site.name;
  const alt = (proto: string, type: string, url: string, lastVerified?: string) => ({
    proto,
    type,
    created_at: publicationDate,
    updated_at: publicationDate,
    url,
    // Not in the v2 format: readers of the list ignore it; samizdat's own tools use it.
    ...(lastVerified ? { last_verified: lastVerified } : {}),
  });
  const alternatives = [
    ...info.mirrors.map((m) => alt('https', 'mirror', m.url, m.lastVerified)),
    ...(info.onion ? [alt('tor', 'eotk', info.onion)] : []),
    ...info.ipfs.map((m) => alt('https', 'ipfs', m.url)),
  ];
  const doc = {
    version: '2.0',
    sites: [{ main_domain: mainDomain, available_alternatives: alternatives }],
    samizdat: {
      site: site.name,
      title: site.title,
      ipns: info.ipnsNames,
      zip: info.zipName,
      ...(info.fingerprint ? { signing_key: info.fingerprint } : {}),
    },
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}
