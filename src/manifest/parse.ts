// Reading a manifest that came from anywhere: a folder, a zip, a mirror. Every field is checked
// before anything trusts it.
import * as z from 'zod';
import { InputError } from '../errors.ts';
import { unsafePathReason } from './paths.ts';
import { MANIFEST_FILE, MANIFEST_FORMAT, SIGNATURE_FILE, type Manifest } from './types.ts';

const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  samizdat: z.string(),
  site: z.string().min(1),
  publication: z.object({ id: z.string().min(1), date: z.string() }),
  signer: z.string().optional(),
  languages: z.array(z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'a language tag')).max(200).optional(),
  files: z.array(
    z.object({
      path: z.string(),
      size: z.number().int().nonnegative(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256'),
    }),
  ),
});

/**
 * Parses and checks manifest bytes. Throws InputError (MANIFEST_NOT_JSON, MANIFEST_INVALID,
 * MANIFEST_UNSAFE_PATH, MANIFEST_DUPLICATE_PATH) naming `source`.
 */
export function parseManifest(bytes: Uint8Array | string, source: string = MANIFEST_FILE): Manifest {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InputError('MANIFEST_NOT_JSON', `the manifest is not JSON (${(err as Error).message})`, {
      file: source,
      hint: 'This is not a samizdat copy, or the manifest was damaged: get the copy again from another mirror.',
      cause: err,
    });
  }
  const result = manifestSchema.safeParse(data);
  if (!result.success) {
    const first = result.error.issues[0]!;
    throw new InputError('MANIFEST_INVALID', `the manifest is not a ${MANIFEST_FORMAT} manifest: ${first.path.join('.') || '(top)'}: ${first.message}`, {
      file: source,
      hint: 'This is not a samizdat copy, or it was made by another samizdat version: get the copy again, or update samizdat.',
      cause: result.error,
    });
  }
  const seen = new Set<string>();
  for (const f of result.data.files) {
    const why = unsafePathReason(f.path) ?? (f.path === MANIFEST_FILE || f.path === SIGNATURE_FILE ? 'the manifest cannot list itself' : undefined);
    if (why) {
      throw new InputError('MANIFEST_UNSAFE_PATH', `the manifest lists the path ${JSON.stringify(f.path)}, which is not allowed: ${why}`, {
        file: source,
        hint: 'Do not use this copy: a genuine samizdat manifest only lists files inside the bundle.',
      });
    }
    if (seen.has(f.path)) {
      throw new InputError('MANIFEST_DUPLICATE_PATH', `the manifest lists ${f.path} twice`, { file: source, hint: 'Do not use this copy.' });
    }
    seen.add(f.path);
  }
  return result.data as Manifest;
}
