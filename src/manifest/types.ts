/**
 * `mirror-manifest.json`, written at the bundle's root by every build and served by every mirror.
 * The manifest does not list itself nor its signature file.
 */
export const MANIFEST_FILE = 'mirror-manifest.json';
export const SIGNATURE_FILE = 'mirror-manifest.json.sig';
export const MANIFEST_FORMAT = 'samizdat-manifest/1';

export interface ManifestFile {
  /** Relative, "/"-separated. Sorted by path (code-unit order) in the manifest. */
  path: string;
  size: number;
  /** Lowercase hex SHA-256. */
  sha256: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  /** samizdat version that built the bundle. */
  samizdat: string;
  /** The site's short name (site settings `name`). */
  site: string;
  publication: {
    /** Derived from the content only: "<date>-<first 12 hex of the sha256 over the file list>". */
    id: string;
    /** The newest article date/updated in the bundle (ISO 8601, UTC): when this publication's news is from. */
    date: string;
  };
  /** Fingerprint ("SHA256:…") of the public key that signs this manifest, when signed. */
  signer?: string;
  /**
   * BCP 47 languages of the site's pages, the site's main language first, when the build names
   * them. Pack writes its how-to-open text in these languages (it reads the pages' `lang`
   * attributes when this is absent).
   */
  languages?: string[];
  files: ManifestFile[];
}
