#!/usr/bin/env node
/**
 * Writes docs/results.md's per-path tables (the `paths` table and the export's column types) from the
 * field registry, src/engine/fields.ts (`npm run docs:fields`, after a build). test/engine/fields.test.ts
 * fails while the doc and the registry differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withGeneratedBlocks } from '../dist/report/fields-doc.js';

const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs/results.md');
const before = readFileSync(DOC, 'utf8');
const after = withGeneratedBlocks(before);
if (after === before) console.log('docs/results.md: per-path tables already match the registry');
else {
  writeFileSync(DOC, after);
  console.log('docs/results.md: per-path tables rewritten from src/engine/fields.ts');
}
