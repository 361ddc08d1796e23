/**
 * A study's output folder, which doubles as its resume state:
 *
 *   manifest.json          what the folder holds (command and the inputs that determine the results)
 *   points/<h>-<a>-<b>.json  header of the per-path records of paths [a, b) of the point whose scenario
 *                          hashes to h: label, range, timing and the field list (as a run shard's
 *                          shard.json lists them)
 *   points/<h>-<a>-<b>.bin   the records themselves, column after column, in the format of a run
 *                          shard's paths.bin (src/mc/table.ts `encodeColumns`); written (atomically)
 *                          before the header, as soon as that point's run finishes
 *
 * Running the same command again reads the finished points instead of recomputing them. If the
 * folder holds a study of something else (another scenario, other parameters), the command refuses
 * and says what changed, rather than mixing results. `fresh` discards the folder's points first.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Scenario } from '../scenario/schema.js';
import { scenarioIdentity } from '../scenario/data-files.js';
import { UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { decodeColumns, encodeColumns, type FieldSpec, type PathTable } from '../mc/table.js';
import { cleanStaleTemporaries, makeDirs, rethrowFs, writeFileAtomic } from '../io/files.js';

const MANIFEST_FORMAT = 'marginlab.study-manifest/1';
export const CHUNK_FORMAT = 'marginlab.paths/2';

/** JSON with object keys sorted, so equal values give equal text. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => {
    if (x && typeof x === 'object' && !Array.isArray(x)) {
      return Object.fromEntries(Object.keys(x).sort().map((k) => [k, (x as Record<string, unknown>)[k]]));
    }
    return x;
  });
}

export function hashOf(v: unknown): string {
  return createHash('sha256').update(canonicalJson(v)).digest('hex').slice(0, 16);
}

/**
 * Identity of a point's results: its scenario without `paths` (path k is path k whatever the total),
 * each data file by the SHA-256 of its bytes (not its path: an edited CSV is a different point), and
 * the engine version.
 */
export function pointKey(s: Scenario): string {
  const { paths: _paths, ...rest } = scenarioIdentity(s) as Scenario;
  void _paths;
  return hashOf({ scenario: rest, marginlabVersion: VERSION });
}

/** The dotted paths at which two JSON values differ (at most `max`). */
export function differences(a: unknown, b: unknown, max = 5, prefix = ''): string[] {
  if (canonicalJson(a) === canonicalJson(b)) return [];
  const isObj = (x: unknown) => x !== null && typeof x === 'object';
  if (!isObj(a) || !isObj(b) || Array.isArray(a) !== Array.isArray(b)) return [prefix || '(everything)'];
  const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
  const out: string[] = [];
  for (const k of keys) {
    const p = Array.isArray(a) ? `${prefix}[${k}]` : prefix ? `${prefix}.${k}` : k;
    out.push(...differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], max - out.length, p));
    if (out.length >= max) break;
  }
  return out;
}

/** What a study folder holds: the command and the inputs its results depend on. */
export interface StudyIdentity {
  command: 'sweep' | 'calibrate' | 'compare';
  /** Everything that determines the per-point results (scenario, parameters, paths, version). */
  inputs: unknown;
}

/** A chunk's header (points/<h>-<a>-<b>.json); its columns are beside it in the .bin file. */
export interface ChunkHeader {
  format: typeof CHUNK_FORMAT;
  pointKey: string;
  /** Label for people: `policy.maintenance.mmr=0.02`. */
  label: string;
  start: number;
  end: number;
  traders: number;
  elapsedMs: number;
  workers: number;
  /** The columns' fields, in order (as a run shard's header lists them). */
  fields: FieldSpec[];
}

/** A chunk: paths [start, end) of one point, its header and its records. */
export interface ChunkRecord {
  header: ChunkHeader;
  table: PathTable;
}

function writeAtomic(file: string, text: string, dir: string): void {
  writeFileAtomic(file, text, `--out ${dir}`);
}

export class StudyFolder {
  readonly pointsDir: string;
  /** Points found on disk when the folder was opened (a resumed study has some). */
  readonly resumedChunks: number;

  private constructor(readonly dir: string, readonly identity: StudyIdentity, resumed: number) {
    this.pointsDir = path.join(dir, 'points');
    this.resumedChunks = resumed;
  }

  /**
   * Opens (creating if needed) the folder for a study. Refuses with a `UserError` when it holds a
   * different study; `fresh` deletes its points first.
   */
  static open(dir: string, identity: StudyIdentity, opts: { fresh?: boolean } = {}): StudyFolder {
    const manifestFile = path.join(dir, 'manifest.json');
    const pointsDir = path.join(dir, 'points');
    try {
      if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UserError(`--out ${dir}: is a file, expected a folder`);
    } catch (e) {
      rethrowFs(e, `--out ${dir}`, 'cannot open the output folder');
    }
    cleanStaleTemporaries(path.resolve(dir));
    if (existsSync(dir) && !existsSync(manifestFile) && readdirSync(dir).length > 0 && !opts.fresh) {
      throw new UserError(`--out ${dir}: the folder exists and is not a marginlab ${identity.command} folder (no manifest.json); choose another --out or empty it`);
    }
    if (existsSync(manifestFile)) {
      if (opts.fresh) {
        rmSync(pointsDir, { recursive: true, force: true });
        rmSync(manifestFile, { force: true });
      } else {
        let old: { format?: string; identity?: StudyIdentity };
        try {
          old = JSON.parse(readFileSync(manifestFile, 'utf8'));
        } catch {
          throw new UserError(`--out ${dir}: manifest.json is unreadable; rerun with --fresh to start over`);
        }
        if (old.identity?.command !== identity.command) {
          throw new UserError(`--out ${dir}: holds a ${old.identity?.command ?? 'different'} study, not a ${identity.command}; choose another --out (or --fresh to discard it)`);
        }
        const diff = differences(old.identity.inputs, identity.inputs);
        if (diff.length > 0) {
          throw new UserError(
            `--out ${dir}: holds a ${identity.command} of a different scenario or parameters (changed: ${diff.join(', ')}); ` +
              `rerun with the original inputs to resume, choose another --out, or pass --fresh to discard the earlier points`,
          );
        }
      }
    }
    try {
      makeDirs(path.resolve(pointsDir));
    } catch (e) {
      rethrowFs(e, `--out ${dir}`, 'cannot create the output folder');
    }
    if (!existsSync(manifestFile)) {
      writeAtomic(manifestFile, JSON.stringify({ format: MANIFEST_FORMAT, marginlabVersion: VERSION, identity }, null, 1) + '\n', dir);
    }
    const resumed = readdirSync(pointsDir).filter((f) => f.endsWith('.json')).length;
    return new StudyFolder(dir, identity, resumed);
  }

  private chunkFile(key: string, start: number, end: number): string {
    return path.join(this.pointsDir, `${key}-${start}-${end}.json`);
  }

  /** A finished chunk, or undefined when it is not on disk (or unreadable, truncated or of another format: it is then recomputed). */
  readChunk(key: string, start: number, end: number): ChunkRecord | undefined {
    const file = this.chunkFile(key, start, end);
    if (!existsSync(file)) return undefined;
    try {
      const header = JSON.parse(readFileSync(file, 'utf8')) as ChunkHeader;
      if (header.format !== CHUNK_FORMAT || header.pointKey !== key || header.start !== start || header.end !== end || !Array.isArray(header.fields)) return undefined;
      const bin = readFileSync(file.replace(/\.json$/, '.bin'));
      return { header, table: decodeColumns(header.fields, end - start, new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength)) };
    } catch {
      return undefined;
    }
  }

  /** Writes a chunk: its columns, then its header (a chunk whose header is visible is complete). */
  writeChunk(r: ChunkRecord): void {
    const file = this.chunkFile(r.header.pointKey, r.header.start, r.header.end);
    writeFileAtomic(file.replace(/\.json$/, '.bin'), encodeColumns(r.table), `--out ${this.dir}`);
    writeAtomic(file, JSON.stringify(r.header) + '\n', this.dir);
  }

  /** Any JSON file kept next to the points (e.g. a comparison's per-variant results). */
  readJson<T>(name: string): T | undefined {
    const file = path.join(this.dir, name);
    if (!existsSync(file)) return undefined;
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as T;
    } catch {
      return undefined;
    }
  }

  writeJson(name: string, v: unknown): void {
    writeAtomic(path.join(this.dir, name), JSON.stringify(v) + '\n', this.dir);
  }
}
