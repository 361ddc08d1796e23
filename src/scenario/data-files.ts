/**
 * Data files named in a scenario (a `csv` price model's `file` of prices or candles, a depth curve's `impact.file`,
 * `traders.snapshot`): where they may be, how they are
 * shown in outputs, and what identifies them.
 *
 * Path policy. In a scenario read from a file, `file` is a path relative to the scenario file's
 * folder and must stay inside it (after following symbolic links): `data/btc.csv` or `btc.csv`, not
 * `/etc/passwd`, `../x.csv` or a link pointing out of the folder. `allowAnyPath` (the CLI's
 * `--allow-any-path`) lifts the rule. A scenario object built in code (no folder given) is trusted:
 * its relative paths resolve against the working directory.
 *
 * Outputs never hold an absolute local path: results and study files show `file` as the path
 * relative to the scenario's folder (as it was written), or the file's base name when it lies
 * outside. The resolved scenario used to run holds the absolute path (workers read the file).
 *
 * Identity. A study's resume key holds the SHA-256 of the file's bytes, not its path, so a changed
 * file is never mistaken for the one a saved point was computed from.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { Scenario } from './schema.js';
import { readMarketCsv } from './market-csv.js';
import { readDepthCsv } from './depth-csv.js';
import { readSnapshotCsv } from './snapshot-csv.js';

export interface PathPolicy {
  /** Folder of the scenario file: relative paths resolve against it and must stay inside it. None = a scenario built in code. */
  baseDir?: string;
  /** Accept absolute paths and paths outside `baseDir`. */
  allowAnyPath?: boolean;
  /** false: leave `file` as written and read nothing (checking a saved results.json). Default true. */
  readFiles?: boolean;
  /** Set by parseScenario: whether the input gave traders.count beside traders.snapshot (then it must match the file). */
  snapshotCountGiven?: boolean;
}

/** Absolute path → how outputs show it. Filled as files are resolved; an entry means the path was accepted. */
const shown = new Map<string, string>();

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p; // a missing file is reported by the read that follows
  }
}

/**
 * Resolves the `file` of the price model at `field` under `policy`; returns the absolute path.
 * @throws UserError when the path is absolute or leaves the scenario's folder and `allowAnyPath` is off
 */
export function resolveDataFile(given: string, field: string, policy: PathPolicy): string {
  const base = policy.baseDir;
  if (base === undefined) {
    const abs = path.resolve(given);
    if (!shown.has(abs)) shown.set(abs, inside(process.cwd(), abs) ? toPosix(path.relative(process.cwd(), abs)) : path.basename(abs));
    return abs;
  }
  const abs = path.resolve(base, given);
  // a path this process already accepted (a resolved scenario validated again, e.g. with a variant's override merged in)
  if (path.isAbsolute(given) && shown.has(abs)) return abs;
  const within = !path.isAbsolute(given) && inside(path.resolve(base), abs) && inside(real(base), real(abs));
  if (!within && !policy.allowAnyPath) {
    const v = JSON.stringify(given.length > 80 ? `${given.slice(0, 77)}...` : given);
    throw new UserError(
      `${field}: ${v} is not allowed — a data file must be given by a path relative to the scenario file's folder and lie inside it (e.g. data/prices.csv); pass --allow-any-path to read files elsewhere`,
    );
  }
  if (!shown.has(abs) || within) shown.set(abs, within ? toPosix(path.relative(path.resolve(base), abs)) : path.basename(abs));
  return abs;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** How outputs show a resolved data file: relative to its scenario's folder, else its base name. */
function shownPath(file: string): string {
  if (!path.isAbsolute(file)) return file;
  return shown.get(file) ?? path.basename(file);
}

type PriceModel = Scenario['market']['priceModel'];

/** A csv model's file, prices or candles, as what identifies it (its SHA-256). */
function readCsvFile(abs: string): { sha256: string } {
  const c = readMarketCsv(abs);
  return c.layout === 'prices' ? c.prices : c.candles;
}

/** Replaces every data file a scenario names — csv price models' and depth curves' `file`, the trader snapshot — by `f(file, read)`. */
function mapDataFiles(s: Scenario, f: (file: string, read: (abs: string) => { sha256: string }) => unknown): Scenario {
  const markets = (x: Scenario) => [x.market, ...(x.otherMarkets ?? [])];
  const has = markets(s).some((m) => m.priceModel.kind === 'csv' || m.impact.file !== undefined) || s.traders.snapshot !== undefined;
  if (!has) return s;
  const copy = structuredClone(s);
  const names = markets(s).map((m) => m.name);
  if (copy.traders.snapshot !== undefined) (copy.traders as { snapshot: unknown }).snapshot = f(copy.traders.snapshot, (abs) => readSnapshotCsv(abs, names));
  for (const m of markets(copy)) {
    if (m.priceModel.kind === 'csv') (m.priceModel as { file: unknown }).file = f((m.priceModel as Extract<PriceModel, { kind: 'csv' }>).file, readCsvFile);
    if (m.impact.file !== undefined) (m.impact as { file: unknown }).file = f(m.impact.file, readDepthCsv);
  }
  return copy;
}

/** The scenario as outputs show it: every data file by its portable path (no absolute local path). */
export function portableScenario(s: Scenario): Scenario {
  return mapDataFiles(s, (file) => shownPath(file));
}

/** One data file of a resolved scenario, as a fleet job carries it: where the coordinator read it, how outputs show it, and its bytes' SHA-256. */
export interface DataFileRef {
  readonly path: string;
  readonly shown: string;
  readonly sha256: string;
}

/** Every data file a resolved scenario reads (each once), with how outputs show it and the SHA-256 of its bytes. Reads the files (through the readers' caches). */
export function dataFilesOf(s: Scenario): DataFileRef[] {
  const out = new Map<string, DataFileRef>();
  mapDataFiles(s, (file, read) => {
    if (!out.has(file)) out.set(file, { path: file, shown: shownPath(file), sha256: read(file).sha256 });
    return file;
  });
  return [...out.values()];
}

/**
 * The scenario with its data files read from where this process holds them: each file in `at` (the coordinator's
 * absolute path → this process's absolute path, often the same) is shown by outputs, and counted in the scenario
 * hash, as the coordinator showed it — so a fleet worker that holds the coordinator's bytes, wherever, computes the
 * coordinator's hash.
 */
export function withDataFilesAt(s: Scenario, at: ReadonlyMap<string, DataFileRef & { at: string }>): Scenario {
  for (const f of at.values()) shown.set(f.at, f.shown);
  return mapDataFiles(s, (file) => at.get(file)?.at ?? file);
}

/**
 * What a study's results depend on: the portable scenario with each data file replaced by
 * `{ path, sha256 }` of its bytes. Two scenarios with equal identities give equal results.
 */
export function scenarioIdentity(s: Scenario): unknown {
  return mapDataFiles(s, (file, read) => ({ path: shownPath(file), sha256: read(file).sha256 }));
}
