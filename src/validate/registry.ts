/**
 * The validation against the record as a registry of comparisons: each names the files it needs in the data
 * folder and turns them into `ValidationRow`s. `runValidation` checks that every file is there before any work
 * (a missing folder or file is one UserError line), then runs the comparisons in order.
 *
 * To add a comparison (crisis shapes of a rebuilt replay, liquidation timing, a real-candle replay), append one
 * entry to `COMPARISONS`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { loadScenarioFile } from '../scenario/load.js';
import { CALM_FILES, CALM_SCENARIOS, calmRecord, calmRows, simulatedDays } from './calm-extremes.js';
import { readCandleCsv } from '../scenario/candle-csv.js';
import { bandsOf, replayFigures, replayShapeRows } from './replay-shape.js';
import { HYPERLIQUID_TIMING_BANDS, liquidationTimingRows } from './timing.js';
import type { ValidationRow } from './rows.js';

/** The shipped scenarios folder (src/validate → ../../scenarios, the same from dist/validate). */
export const SCENARIO_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));

export interface ValidationOptions {
  /** Paths (simulated days) per calm scenario. */
  calmPaths: number;
  /** Paths per stress replay (price paths only). */
  crisisPaths: number;
  /** Paths of the engine for the liquidation-timing comparison. */
  timingPaths: number;
}

export const DEFAULT_VALIDATION_OPTIONS: ValidationOptions = { calmPaths: 1000, crisisPaths: 200, timingPaths: 16 };

export interface Comparison {
  /** Short name, unique. */
  readonly id: string;
  /** What it compares, in words (the page's section title). */
  readonly title: string;
  /** Files it reads from the data folder (names relative to it). */
  readonly files: readonly string[];
  readonly run: (dataDir: string, opts: ValidationOptions) => Promise<ValidationRow[]>;
}

const OCT_2025 = 'btcusdt_perp_1m_2025-10-10T1634_2025-10-11T0159.csv';
const MAR_2020 = 'btcusdt_perp_1m_2020-03-12T0000_2020-03-13T0359.csv';
const HL_TIMING = 'hyperliquid_2025-10-10_cascade_timing.json';
const HL_POSITIONS = 'hyperliquid_2025-10-10_positions_BTC_SOL.csv';

/**
 * A scripted replay's exogenous paths against the record's one-minute candles, figure by figure, in the bands the
 * scenario file states on its `# record-band:` lines (src/validate/replay-shape.ts).
 */
function crisis(id: string, title: string, scenario: string, candles: string, group: string): Comparison {
  return {
    id,
    title,
    files: [candles],
    run: async (dataDir, opts) => {
      const file = path.join(SCENARIO_DIR, scenario);
      const perPath = replayFigures(loadScenarioFile(file), opts.crisisPaths);
      return replayShapeRows(group, readCandleCsv(path.join(dataDir, candles)), perPath, bandsOf(readFileSync(file, 'utf8')));
    },
  };
}

export const COMPARISONS: readonly Comparison[] = [
  {
    id: 'calm-extremes',
    title: 'Calm days: the largest 15- and 60-minute moves',
    files: [CALM_FILES.march2023, CALM_FILES.oct2025, CALM_FILES.daily],
    run: async (dataDir, opts) => {
      const rec = calmRecord(dataDir);
      return CALM_SCENARIOS.flatMap((f) => calmRows(`calm day: ${f.replace(/\.yaml$/, '')}`, simulatedDays(loadScenarioFile(path.join(SCENARIO_DIR, f)), opts.calmPaths), rec));
    },
  },
  crisis('crisis-2025-10-10', '10 Oct 2025: the scripted replay against the one-minute record', 'stress/2025-10-10-tariff-crash.yaml', OCT_2025, '10 Oct 2025 replay'),
  crisis('crisis-2020-03-12', '12-13 Mar 2020: the scripted replay against the one-minute record', 'stress/2020-03-12-black-thursday.yaml', MAR_2020, '12 Mar 2020 replay'),
  {
    id: 'timing-2025-10-10-hyperliquid',
    title: "10 Oct 2025: liquidation and ADL timing under Hyperliquid's rules against Hyperliquid's record",
    files: [HL_TIMING, HL_POSITIONS, OCT_2025],
    run: async (dataDir, opts) =>
      liquidationTimingRows(
        path.join(SCENARIO_DIR, 'validation/2025-10-10-hyperliquid.yaml'),
        { timing: path.join(dataDir, HL_TIMING), positions: path.join(dataDir, HL_POSITIONS), candles: path.join(dataDir, OCT_2025), asset: 'BTC' },
        opts.timingPaths,
        HYPERLIQUID_TIMING_BANDS,
      ).rows,
  },
];

export interface ValidationResult {
  readonly format: 'marginlab.validation/1';
  /** The data folder, as given. */
  readonly data: string;
  readonly options: ValidationOptions;
  readonly comparisons: readonly { id: string; title: string; files: readonly string[]; rows: number; passed: number }[];
  readonly rows: readonly ValidationRow[];
  readonly passed: number;
  readonly total: number;
}

/**
 * Checks the data folder holds every file the comparisons need; one UserError line otherwise.
 * @param flag how the folder was given, for messages (`--data DIR`)
 */
export function checkDataDir(dataDir: string, comparisons: readonly Comparison[] = COMPARISONS, flag = `--data ${dataDir}`): void {
  let isDir = false;
  try {
    isDir = statSync(dataDir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new UserError(`${flag}: no such folder — expected a folder of real market data (../shared/data/README.md lists its files)`);
  for (const c of comparisons) {
    const missing = c.files.filter((f) => !existsSync(path.join(dataDir, f)));
    if (missing.length) throw new UserError(`${flag}: ${missing[0]} is missing${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''} — the comparison "${c.id}" needs ${c.files.join(', ')}`);
  }
}

/** Runs every comparison on the files in `dataDir`. @throws UserError on a missing folder or file, or a malformed file */
export async function runValidation(
  dataDir: string,
  opts: Partial<ValidationOptions> = {},
  comparisons: readonly Comparison[] = COMPARISONS,
  flag?: string,
): Promise<ValidationResult> {
  checkDataDir(dataDir, comparisons, flag);
  const o: ValidationOptions = { ...DEFAULT_VALIDATION_OPTIONS, ...opts };
  const rows: ValidationRow[] = [];
  const summary: ValidationResult['comparisons'][number][] = [];
  for (const c of comparisons) {
    const r = await c.run(dataDir, o);
    rows.push(...r);
    summary.push({ id: c.id, title: c.title, files: c.files, rows: r.length, passed: r.filter((x) => x.pass).length });
  }
  return { format: 'marginlab.validation/1', data: dataDir, options: o, comparisons: summary, rows, passed: rows.filter((r) => r.pass).length, total: rows.length };
}
