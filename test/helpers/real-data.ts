/**
 * The real market data in ../shared/data (research use only: read from there, never copied into the
 * repository). Tests that need it use `describe.skipIf(!HAS_REAL_DATA)` and so skip cleanly where it is absent;
 * under CI=true its absence is reported by `requireRealDataInCi`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export const REAL_DATA_DIR = path.resolve(__dirname, '../../../shared/data');

/** The files the model is checked against, by what they hold. */
export const REAL = {
  oct2025: path.join(REAL_DATA_DIR, 'btcusdt_perp_1m_2025-10-10T1634_2025-10-11T0159.csv'),
  mar2020: path.join(REAL_DATA_DIR, 'btcusdt_perp_1m_2020-03-12T0000_2020-03-13T0359.csv'),
  calmMar2023: path.join(REAL_DATA_DIR, 'binanceus_BTCUSDT_1m_20230301_20230321.csv'),
  dailySince2011: path.join(REAL_DATA_DIR, 'coinbase_BTCUSD_1d_2011-2025-09-24.csv'),
  hlTiming: path.join(REAL_DATA_DIR, 'hyperliquid_2025-10-10_cascade_timing.json'),
  hlPositions: path.join(REAL_DATA_DIR, 'hyperliquid_2025-10-10_positions_BTC_SOL.csv'),
} as const;

/** True where every file above is present. */
export const HAS_REAL_DATA = Object.values(REAL).every((f) => existsSync(f));
