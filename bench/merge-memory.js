// Peak memory of merging a 1,000,000-path run from shards (issue 15: the coordinator must stay under
// 1 GiB). Not part of `npm run bench` (it simulates a million paths: a few minutes on two cores).
//
//   npm run build && node bench/merge-memory.js [paths=1000000] [shards=4]
//
// Runs bench/tiny-1m.yaml as `shards` shards (`marginlab run --shard i/N`), then
// `marginlab merge … --no-inline-paths` under /usr/bin/time -v (its "Maximum resident set size"),
// and prints the peak; exits 1 when it is 1 GiB or more. The shards and the merged folder are
// written under a temporary folder and removed at the end.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist/cli/main.js');
const scenario = path.join(root, 'bench/tiny-1m.yaml');
const paths = Number(process.argv[2] ?? 1_000_000);
const shards = Number(process.argv[3] ?? 4);
const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-merge-memory-'));

function run(args, opts = {}) {
  const t0 = Date.now();
  const r = spawnSync(args[0], args.slice(1), { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    throw new Error(`${args.join(' ')} exited ${r.status}`);
  }
  return { ...r, seconds: (Date.now() - t0) / 1000 };
}

try {
  const dirs = [];
  for (let i = 0; i < shards; i++) {
    const out = path.join(dir, `shard-${i}`);
    const r = run([process.execPath, cli, 'run', scenario, '--paths', String(paths), '--shard', `${i}/${shards}`, '--out', out]);
    console.log(`shard ${i}/${shards}: ${r.seconds.toFixed(1)} s`);
    dirs.push(out);
  }
  const out = path.join(dir, 'merged');
  const timeBin = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-v'] : [];
  const r = run([...timeBin, process.execPath, cli, 'merge', ...dirs, '--out', out, '--no-inline-paths']);
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const peakMiB = m ? Number(m[1]) / 1024 : NaN;
  const sizes = readdirSync(out).map((f) => `${f} ${(statSync(path.join(out, f)).size / 2 ** 20).toFixed(1)} MiB`);
  console.log(`merge of ${paths.toLocaleString('en-US')} paths from ${shards} shards: ${r.seconds.toFixed(1)} s, peak RSS ${m ? `${peakMiB.toFixed(0)} MiB` : 'unknown (no /usr/bin/time)'}`);
  console.log(`wrote ${sizes.join(', ')}`);
  if (peakMiB >= 1024) {
    console.error(`peak RSS ${peakMiB.toFixed(0)} MiB is 1 GiB or more`);
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
