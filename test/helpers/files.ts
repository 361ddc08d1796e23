/** Every scenario file under scenarios/ (YAML), recursively, sorted. */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const SCENARIOS_DIR = path.resolve(__dirname, '../../scenarios');

export function scenarioFiles(dir = SCENARIOS_DIR): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = path.join(dir, f);
      if (statSync(p).isDirectory()) return scenarioFiles(p);
      return /\.ya?ml$/.test(f) ? [p] : [];
    });
}
