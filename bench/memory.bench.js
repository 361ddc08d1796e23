// Peak memory as paths grow: the CLI on bench/small.yaml with 100,000 paths (results.json written to
// a temporary folder). Target (issue 2): peak RSS < 1 GiB. Peak RSS covers the whole process,
// worker threads included (process.resourceUsage().maxRSS).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const PATHS = process.env.BENCH_PATHS ?? '100000';
const out = mkdtempSync(path.join(tmpdir(), 'marginlab-mem-'));
const child = `
  import { main } from ${JSON.stringify(path.join(dir, '../dist/cli/main.js'))};
  const t0 = performance.now();
  const code = await main(['node', 'marginlab', 'run', ${JSON.stringify(path.join(dir, 'small.yaml'))}, '--paths', '${PATHS}', '--out', ${JSON.stringify(out)}]);
  console.log(JSON.stringify({ code, secs: (performance.now() - t0) / 1000, maxRssKb: process.resourceUsage().maxRSS }));
`;
const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8' });
if (r.status !== 0) {
  console.error(r.stderr);
  process.exit(1);
}
const m = JSON.parse(r.stdout.trim().split('\n').pop());
const size = statSync(path.join(out, 'results.json')).size;
rmSync(out, { recursive: true, force: true });
const gib = m.maxRssKb / 1024 / 1024;
console.log(`bench/small.yaml × ${Number(PATHS).toLocaleString('en-US')} paths: ${m.secs.toFixed(1)} s, peak RSS ${(m.maxRssKb / 1024).toFixed(0)} MiB (${gib.toFixed(2)} GiB), results.json ${(size / 1e6).toFixed(1)} MB`);
console.log(`target: peak RSS < 1 GiB → ${gib < 1 ? 'met' : 'NOT met'}`);
process.exitCode = m.code;
