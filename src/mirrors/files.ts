/** Which files of the mirrors folder are mirror files: a module of its own, so that listing them loads no mirror type. */
export const MIRROR_FILE = /\.(json|ya?ml)$/;

/** Files in the mirrors folder that are not mirrors: sub-folders, JSON Schemas, hidden files. */
export function isMirrorFile(fileName: string): boolean {
  return MIRROR_FILE.test(fileName) && !fileName.endsWith('.schema.json') && !fileName.startsWith('.');
}
