/**
 * Validation of chart specs for tests: against the vega-lite JSON schema shipped with vega-lite
 * (ajv, draft-07), and by compiling with vega-lite and collecting its warnings. The schema is
 * compiled once per test file (about 4 s).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import AjvModule from 'ajv';
import { compile, type TopLevelSpec } from 'vega-lite';
import { THEME } from '../../src/report/theme.js';

const require = createRequire(import.meta.url);
type Validator = ((x: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
let validator: Validator | null = null;

function schemaValidator(): Validator {
  if (validator) return validator;
  const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as new (o: object) => { compile(s: object): Validator };
  const file = path.join(path.dirname(require.resolve('vega-lite')), 'vega-lite-schema.json');
  const ajv = new Ajv({ strict: false, allErrors: false, allowUnionTypes: true, validateFormats: false, logger: false });
  validator = ajv.compile(JSON.parse(readFileSync(file, 'utf8')));
  return validator;
}

/** Schema errors of a spec (with the shared theme as its config), as "path: message" lines; [] when valid. */
export function schemaErrors(spec: object): string[] {
  const v = schemaValidator();
  if (v({ ...spec, config: THEME })) return [];
  return (v.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'}: ${e.message}`);
}

/** Warnings (and errors) vega-lite reports while compiling the spec with the theme. */
export function compileWarnings(spec: object): string[] {
  const out: string[] = [];
  const logger = {
    level(): number {
      return 2;
    },
    warn(...m: unknown[]) {
      out.push(m.map(String).join(' '));
      return this;
    },
    error(...m: unknown[]) {
      out.push('ERROR ' + m.map(String).join(' '));
      return this;
    },
    info() {
      return this;
    },
    debug() {
      return this;
    },
  };
  compile(spec as TopLevelSpec, { config: THEME as never, logger: logger as never });
  return out;
}
