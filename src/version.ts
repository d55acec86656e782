import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);
/** The samizdat version: goes into the manifest, so bundles from different versions differ. */
export const VERSION: string = (requireHere('../package.json') as { version: string }).version;
