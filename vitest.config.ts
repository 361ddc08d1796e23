import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// vitest's default is one fork fewer than the cores — a single fork on the 2-core machines CI runs on,
// which ran the suite file by file. One fork per core halves its wall time there.
const forks = Math.max(2, availableParallelism());

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: forks, minForks: 1 } },
    reporters: ['default'],
  },
});
