/**
 * Per-path records in columns: one Float64Array per field (booleans as 0/1, a per-market array as one
 * column per market), in the key order of `PathSummary` as the engine builds it (the field registry's,
 * src/engine/fields.ts, which also gives each field's kind). A million paths of
 * ~60 fields is ~0.5 GB as objects but ~8 MB a column here, so coordinators that merge shards or fleet
 * results hold tables, never arrays of summaries. `row(i)` rebuilds path i's summary exactly (same
 * keys, same order, same numbers), and every aggregate reads the same values in the same path order,
 * so results from a table equal results from the summaries bit for bit.
 */
import type { PathSummary } from '../engine/path.js';
import { fieldsOfScenario, pathField, type FieldKind as RegistryKind } from '../engine/fields.js';
import type { Scenario } from '../scenario/schema.js';

/** How a column holds its field: whole numbers, reals, or 0/1 flags (the registry's count / real / flag). */
export type FieldKind = 'int' | 'real' | 'bool';

/** One field of `PathSummary`: its name, value type and, for a per-market array, its width. */
export interface FieldSpec {
  key: keyof PathSummary;
  kind: FieldKind;
  /** Per-market arrays: the number of markets (one column each); absent for scalars. */
  width?: number;
}

const COLUMN_KIND: Readonly<Record<RegistryKind, FieldKind>> = { count: 'int', real: 'real', flag: 'bool' };

/** The column kind of a registered per-path field. @throws RangeError when `key` has no registry entry */
export function fieldKindOf(key: string): FieldKind {
  const f = pathField(key);
  if (!f) throw new RangeError(`per-path field ${JSON.stringify(key)} has no entry in the field registry (src/engine/fields.ts)`);
  return COLUMN_KIND[f.kind];
}

/** The fields a run of `sc` records, as table fields (per-market ones `markets` wide). */
export function tableFieldsOf(sc: Scenario): FieldSpec[] {
  const markets = 1 + sc.otherMarkets.length;
  return fieldsOfScenario(sc).map((f) => ({ key: f.name, kind: COLUMN_KIND[f.kind], ...(f.perMarket ? { width: markets } : {}) }));
}

/** The flat column names of a field: `key`, or `key_0`, `key_1`, … for a per-market array. */
export function columnNames(f: FieldSpec): string[] {
  return f.width === undefined ? [f.key] : Array.from({ length: f.width }, (_, m) => `${f.key}_${m}`);
}

export class PathTable {
  /** Flat column names, in field order. */
  readonly names: string[];
  private readonly index = new Map<string, number>();

  constructor(
    readonly fields: readonly FieldSpec[],
    /** One column per flat name, each of length n. */
    readonly columns: Float64Array[],
    readonly n: number,
  ) {
    this.names = fields.flatMap(columnNames);
    if (this.names.length !== columns.length) throw new RangeError(`PathTable: ${this.names.length} column names but ${columns.length} columns`);
    this.names.forEach((name, i) => {
      if (columns[i].length !== n) throw new RangeError(`PathTable: column ${name} has ${columns[i].length} values, expected ${n}`);
      this.index.set(name, i);
    });
  }

  /** The fields of a set of summaries (from the first; every summary of a run has the same keys). */
  static fieldsOf(s: PathSummary): FieldSpec[] {
    return (Object.keys(s) as (keyof PathSummary)[]).map((key) => {
      const v = s[key];
      if (Array.isArray(v)) return { key, kind: fieldKindOf(key), width: v.length };
      return { key, kind: fieldKindOf(key) };
    });
  }

  static fromSummaries(summaries: readonly PathSummary[]): PathTable {
    if (summaries.length === 0) throw new RangeError('PathTable.fromSummaries requires at least one path');
    const fields = PathTable.fieldsOf(summaries[0]);
    const n = summaries.length;
    const columns: Float64Array[] = [];
    for (const f of fields) {
      if (f.width === undefined) {
        const c = new Float64Array(n);
        for (let i = 0; i < n; i++) c[i] = Number(summaries[i][f.key]);
        columns.push(c);
      } else {
        for (let m = 0; m < f.width; m++) {
          const c = new Float64Array(n);
          for (let i = 0; i < n; i++) c[i] = (summaries[i][f.key] as number[])[m];
          columns.push(c);
        }
      }
    }
    return new PathTable(fields, columns, n);
  }

  /**
   * Per-path records held column by column as results.json `paths` holds them (a field's values in path
   * order; booleans as booleans, a per-market field as one array per path), as a table. Fields in the
   * registry's order; one without a registry entry is refused.
   */
  static fromColumns(paths: { readonly [field: string]: readonly unknown[] | undefined }): PathTable {
    const keys = Object.keys(paths).filter((k) => paths[k] !== undefined) as (keyof PathSummary)[];
    if (keys.length === 0) throw new RangeError('PathTable.fromColumns requires at least one field');
    const n = paths[keys[0]]!.length;
    const fields: FieldSpec[] = [];
    const columns: Float64Array[] = [];
    for (const key of keys) {
      const values = paths[key]!;
      if (values.length !== n) throw new RangeError(`PathTable.fromColumns: field ${key} has ${values.length} values, expected ${n}`);
      const kind = fieldKindOf(key);
      const first = values[0];
      if (Array.isArray(first)) {
        fields.push({ key, kind, width: first.length });
        for (let m = 0; m < first.length; m++) columns.push(Float64Array.from(values, (row) => Number((row as number[])[m])));
      } else {
        fields.push({ key, kind });
        columns.push(Float64Array.from(values, (v) => Number(v)));
      }
    }
    return new PathTable(fields, columns, n);
  }

  /** Consecutive tables (same fields) as one, in the order given. */
  static concat(parts: readonly PathTable[]): PathTable {
    if (parts.length === 0) throw new RangeError('PathTable.concat requires at least one table');
    if (parts.length === 1) return parts[0];
    const sig = JSON.stringify(parts[0].fields);
    for (const p of parts) if (JSON.stringify(p.fields) !== sig) throw new RangeError('PathTable.concat: tables have different fields');
    const n = parts.reduce((s, p) => s + p.n, 0);
    const columns = parts[0].columns.map((_, j) => {
      const c = new Float64Array(n);
      let at = 0;
      for (const p of parts) {
        c.set(p.columns[j], at);
        at += p.n;
      }
      return c;
    });
    return new PathTable(parts[0].fields, columns, n);
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  /** The column `name` (a scalar field's key, or `key_m` for market m of a per-market field). */
  col(name: string): Float64Array {
    const i = this.index.get(name);
    if (i === undefined) throw new RangeError(`PathTable: no column ${name}`);
    return this.columns[i];
  }

  /** Path i's summary, rebuilt exactly (keys in the engine's order). */
  row(i: number): PathSummary {
    const out: Record<string, unknown> = {};
    let j = 0;
    for (const f of this.fields) {
      if (f.width === undefined) {
        const v = this.columns[j++][i];
        out[f.key] = f.kind === 'bool' ? v !== 0 : v;
      } else {
        const a: number[] = [];
        for (let m = 0; m < f.width; m++) a.push(this.columns[j++][i]);
        out[f.key] = a;
      }
    }
    return out as unknown as PathSummary;
  }
}

/** Flat columns of a field list (a per-market field counts once per market). */
export function tableWidth(fields: readonly FieldSpec[]): number {
  return fields.reduce((s, f) => s + (f.width ?? 1), 0);
}

/**
 * The on-disk form of per-path records, shared by run shards (`paths.bin`) and study chunks
 * (`points/<key>-<a>-<b>.bin`): each column of the field list in turn, n little-endian float64 values
 * each (float64 holds every count, flag and real exactly). The field list and n are in the JSON header
 * beside it.
 */
export function encodeColumns(t: PathTable): Uint8Array {
  const bytes = new Uint8Array(t.columns.length * t.n * 8);
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (const c of t.columns) {
    for (let i = 0; i < c.length; i++, at += 8) view.setFloat64(at, c[i], true);
  }
  return bytes;
}

/** The table `encodeColumns` wrote, from its field list, path count and bytes. @throws RangeError when the bytes are not width × n × 8 long */
export function decodeColumns(fields: readonly FieldSpec[], n: number, bin: Uint8Array): PathTable {
  const width = tableWidth(fields);
  if (bin.byteLength !== width * n * 8) throw new RangeError(`holds ${bin.byteLength} bytes, expected ${width * n * 8} (${n} paths × ${width} columns × 8)`);
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  const columns: Float64Array[] = [];
  let at = 0;
  for (let j = 0; j < width; j++) {
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++, at += 8) c[i] = view.getFloat64(at, true);
    columns.push(c);
  }
  return new PathTable(fields, columns, n);
}
