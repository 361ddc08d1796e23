/**
 * Venue presets: a venue's published rules (presets/<name>.yaml at the package root) as a base a
 * scenario starts from. A preset holds venue-wide rules (`policy`, the same fields as a scenario's)
 * and a row per asset (`assets`, the same fields as a market's `policy`), every field with its source.
 *
 * Expansion works on the scenario as written, before it is validated: the scenario's `policy` is
 * merged over the preset's venue-wide rules; each market's rules are its asset's row, then the
 * scenario's own `policy` fields (a field the user sets for the whole scenario applies to every
 * market), then the market's own `policy`. A scenario that is already resolved expands to itself
 * (its markets' policies are complete and win every field), so variants and studies may re-parse it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { VENUE_PRESETS, type VenuePreset } from './schema.js';

const SourceSchema = z.strictObject({
  id: z.string().min(1),
  document: z.string().min(1),
  url: z.string().min(1),
  date: z.string().min(1),
});

/** A preset file (its `policy` and `assets` are checked when merged into a scenario, and by test/scenario/presets.test.ts). */
export const PresetFileSchema = z.strictObject({
  venue: z.string().min(1),
  asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  description: z.string().min(1),
  sources: z.array(SourceSchema).min(1),
  policy: z.record(z.string(), z.unknown()),
  assets: z.record(z.string(), z.record(z.string(), z.unknown())),
  /** Every field set under policy and assets (a dotted path; a path covers its subtree) → source id(s). */
  cites: z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1)])),
  notes: z.array(z.string()).optional(),
});
export type PresetFile = z.infer<typeof PresetFileSchema>;

/** Folder of the preset files: presets/ at the package root (from src/scenario or dist/scenario). */
export const PRESET_DIR = fileURLToPath(new URL('../../presets/', import.meta.url));

const cache = new Map<VenuePreset, PresetFile>();

/** Reads and checks presets/<name>.yaml (once per process). */
export function readPreset(name: VenuePreset): PresetFile {
  const hit = cache.get(name);
  if (hit) return hit;
  if (!(VENUE_PRESETS as readonly string[]).includes(name)) throw new UserError(`preset: ${JSON.stringify(name)} is not allowed — allowed: ${VENUE_PRESETS.join(', ')}`);
  const file = `${PRESET_DIR}${name}.yaml`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`preset: ${name}: its file presets/${name}.yaml is missing from this installation`);
  }
  const r = PresetFileSchema.safeParse(parseYaml(text));
  if (!r.success) {
    const i = r.error.issues[0];
    throw new UserError(`presets/${name}.yaml: ${i.path.join('.') || '(top level)'}: ${i.message}`);
  }
  cache.set(name, r.data);
  return r.data;
}

/** The asset a market name stands for: upper case, without a -PERP, -USD, -USDT or -USDC suffix (BTC-PERP → BTC, ETHUSDT → ETH). */
export function assetOfMarketName(name: string): string {
  let s = name.toUpperCase();
  for (;;) {
    const t = s.replace(/[-_/:]?(PERP|USDT|USDC|USD)$/, '');
    if (t === s || t === '') return t === '' ? s : t;
    s = t;
  }
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => x !== null && typeof x === 'object' && !Array.isArray(x);

/** Deep merge: `over`'s fields replace `base`'s, objects merge, arrays and objects of a different `kind` replace. Copies. */
function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return structuredClone(base);
  if (!isObj(base) || !isObj(over)) return structuredClone(over);
  if (over.kind !== undefined && base.kind !== undefined && over.kind !== base.kind) return structuredClone(over);
  const out: Obj = structuredClone(base);
  for (const [k, v] of Object.entries(over)) out[k] = merge(out[k], v);
  return out;
}

/**
 * The scenario input with its preset's rules merged in (the input itself when it names none).
 * @throws UserError when a market's asset has no row in the preset's table
 */
export function expandPreset(input: Obj): Obj {
  const name = input.preset;
  if (name === undefined) return input;
  if (typeof name !== 'string' || !(VENUE_PRESETS as readonly string[]).includes(name)) return input; // the schema names the error
  const preset = readPreset(name as VenuePreset);
  const userPolicy = isObj(input.policy) ? input.policy : {};
  const out: Obj = { ...input, policy: merge(preset.policy, userPolicy) };
  const expandMarket = (mk: unknown, at: string): unknown => {
    const m: Obj = isObj(mk) ? { ...mk } : {};
    const marketName = typeof m.name === 'string' ? m.name : 'PERP';
    const asset = typeof m.asset === 'string' ? m.asset.toUpperCase() : assetOfMarketName(marketName);
    const row = preset.assets[asset] ?? preset.assets.default;
    if (!row) {
      const listed = Object.keys(preset.assets).join(', ');
      const field = typeof m.asset === 'string' ? `${at}.asset` : `${at}.name`;
      const value = typeof m.asset === 'string' ? m.asset : marketName;
      throw new UserError(`${field}: ${JSON.stringify(value)} is not an asset of preset ${name} — allowed: ${listed} (set ${at}.asset to the row this market should take)`);
    }
    m.policy = merge(merge(row, userPolicy), isObj(m.policy) ? m.policy : undefined);
    return m;
  };
  out.market = expandMarket(input.market, 'market');
  if (Array.isArray(input.otherMarkets)) out.otherMarkets = input.otherMarkets.map((mk, i) => expandMarket(mk, `otherMarkets[${i}]`));
  return out;
}
