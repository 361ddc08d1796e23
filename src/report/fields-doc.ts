/**
 * docs/results.md's per-path tables, generated from the field registry (src/engine/fields.ts): the
 * `paths` table (field, unit, meaning) and the Parquet/CSV column types. `npm run docs:fields`
 * (scripts/fields-doc.mjs) writes them between the doc's markers; test/engine/fields.test.ts fails when
 * the doc and the registry differ.
 */
import { PATH_FIELD_LIST, type NamedField } from '../engine/fields.js';

/** The markers around a generated block of docs/results.md. */
export const GENERATED_BEGIN = (name: string) => `<!-- generated: ${name} (src/engine/fields.ts; npm run docs:fields writes it, do not edit) -->`;
export const GENERATED_END = (name: string) => `<!-- end generated: ${name} -->`;

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The `paths` table: one row per registered field, in summary order. */
export function pathFieldsTable(fields: readonly NamedField[] = PATH_FIELD_LIST): string {
  const rows = fields.map((f) => `| \`${f.name}\` | ${f.unit}${f.perMarket ? ' array' : ''} | ${cell(f.doc)} |`);
  return ['| field | unit | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

/** The export's Parquet column types, by the registry's kinds. */
export function exportTypesTable(fields: readonly NamedField[] = PATH_FIELD_LIST): string {
  const names = (kind: NamedField['kind']) =>
    fields
      .filter((f) => f.kind === kind)
      .map((f) => `\`${f.name}${f.perMarket ? '_<m>' : ''}\``)
      .join(', ');
  return [
    '| columns | type |',
    '| --- | --- |',
    `| the counts: ${names('count')} | INT32 |`,
    `| the flags: ${names('flag')} | BOOLEAN (\`true\`/\`false\` in the CSV) |`,
    `| the reals (USD amounts, fractions, logs, rates, prices, ratios): ${names('real')} | DOUBLE |`,
    '| `book` (only with books redrawn per block, the default): ⌊`pathIndex` / pathsPerBook⌋, the book the path ran on | INT32 |',
  ].join('\n');
}

/** Generated blocks of docs/results.md, by name. */
export const GENERATED_BLOCKS: Readonly<Record<string, () => string>> = {
  'paths table': () => pathFieldsTable(),
  'export types': () => exportTypesTable(),
};

/** `doc` with every generated block replaced by its current text. @throws Error when a block's markers are missing */
export function withGeneratedBlocks(doc: string): string {
  let out = doc;
  for (const [name, make] of Object.entries(GENERATED_BLOCKS)) {
    const begin = GENERATED_BEGIN(name);
    const end = GENERATED_END(name);
    const a = out.indexOf(begin);
    const b = out.indexOf(end);
    if (a < 0 || b < a) throw new Error(`docs/results.md: the markers of the generated block "${name}" are missing`);
    out = out.slice(0, a + begin.length) + '\n' + make() + '\n' + out.slice(b);
  }
  return out;
}
