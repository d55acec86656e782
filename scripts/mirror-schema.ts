/** `npm run schema`: writes mirrors/mirror.schema.json from the zod schemas of the mirror host types. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MIRROR_SCHEMA_PATH, mirrorJsonSchemaText } from '../src/mirrors/schema/index.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const file = path.join(root, MIRROR_SCHEMA_PATH);
await writeFile(file, mirrorJsonSchemaText());
process.stdout.write(`wrote ${path.relative(process.cwd(), file) || file}\n`);
