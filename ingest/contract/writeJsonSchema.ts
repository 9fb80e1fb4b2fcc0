// `npm run contract:schema`: regenerates the checked-in JSON Schema from the zod contract.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JSON_SCHEMA_FILE, renderJsonSchema } from './jsonSchema.ts';

writeFileSync(JSON_SCHEMA_FILE, renderJsonSchema());
process.stdout.write(`wrote ${fileURLToPath(JSON_SCHEMA_FILE)}\n`);
