/** `npm run schema`: regenerates scenarios/scenario.schema.json from the zod schema. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scenarioJsonSchemaText } from './json-schema.js';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scenarios/scenario.schema.json');
writeFileSync(out, scenarioJsonSchemaText());
process.stderr.write(`wrote ${out}\n`);
