/**
 * The architecture rules of docs/design.md §6, checked on the source (io: bounded reads and whole-folder
 * writes, a base utility like errors):
 * - layers: scenario → rng → price / agents / margin / liquidation / ledger → engine → monte carlo →
 *   stats → api → sweep → report → cli; a module may import its own layer or lower ones, never a
 *   higher one;
 * - money moves in one place: in the engine only `src/engine/books.ts` touches the ledger or writes a
 *   balance (margin, reserve, wallet, fund, vault); every other phase reads balances and calls Books.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const SRC = path.resolve(__dirname, '../src');

/** Layer of each top-level folder (or root file) under src/; higher numbers are higher layers. */
const LAYER: Record<string, number> = {
  'errors.ts': 0,
  'version.ts': 0,
  math: 0,
  io: 0,
  scenario: 1,
  rng: 2,
  price: 3,
  agents: 3,
  margin: 3,
  liquidation: 3,
  ledger: 3,
  engine: 4,
  mc: 5,
  stats: 6,
  api: 7,
  sweep: 8,
  report: 9,
  cli: 10,
  'index.ts': 11,
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return f.endsWith('.ts') ? [p] : [];
  });
}

function layerOf(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0];
}

/** Relative imports of a source file (static, re-exports and dynamic), resolved to .ts paths under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
  return specs.map((s) => path.resolve(path.dirname(file), s.replace(/\.js$/, '.ts')));
}

describe('architecture', () => {
  const files = tsFiles(SRC);

  it('every source folder has a layer', () => {
    const unknown = [...new Set(files.map(layerOf))].filter((l) => !(l in LAYER));
    expect(unknown).toEqual([]);
  });

  it('no lower layer imports a higher one (docs/design.md §6)', () => {
    const violations: string[] = [];
    for (const f of files) {
      const from = layerOf(f);
      for (const target of importsOf(f)) {
        const to = layerOf(target);
        if (LAYER[to] > LAYER[from]) violations.push(`${path.relative(SRC, f)} (${from}) imports ${path.relative(SRC, target)} (${to})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('the checker sees a violation when one exists', () => {
    // the rule itself must be able to fail: a pretend engine file importing the CLI
    const fake = path.join(SRC, 'engine/fake.ts');
    const target = path.resolve(path.dirname(fake), '../cli/main.ts');
    expect(LAYER[layerOf(target)]).toBeGreaterThan(LAYER[layerOf(fake)]);
  });

  /** Writes to balances or the ledger in a source text (comments stripped). */
  function moneyWrites(text: string): string[] {
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    const rules: [string, RegExp][] = [
      ['ledger use', /\bledger\b|\bLedger\b/],
      ['balance array write', /\b(margin|reserve)\s*\[[^\]]*\]\s*(?:[-+*/]?=)(?!=)/],
      ['balance array bulk write', /\b(margin|reserve)\s*\.\s*(set|fill|copyWithin)\s*\(/],
      // (the path's event counters — events.feesCents … — record what moved; they hold no money)
      ['cents accumulation', /(?<!events\.)\b\w*(Cents|wallet|vault)\s*[-+*/]=/],
      ['cents field write', /\.\s*\w*(Cents|wallet|vault)\s*=(?!=)/],
    ];
    const hits: string[] = [];
    code.split('\n').forEach((line, i) => {
      for (const [what, re] of rules) if (re.test(line)) hits.push(`${i + 1}: ${what}: ${line.trim()}`);
    });
    return hits;
  }

  it('in the engine only books.ts moves money (no phase writes a balance or touches the ledger)', () => {
    const violations: string[] = [];
    for (const f of tsFiles(path.join(SRC, 'engine'))) {
      if (path.basename(f) === 'books.ts') continue;
      for (const h of moneyWrites(readFileSync(f, 'utf8'))) violations.push(`${path.relative(SRC, f)}:${h}`);
    }
    expect(violations).toEqual([]);
  });

  it('the money rule catches the writes it forbids', () => {
    expect(moneyWrites('b.margin[a] += 5;')).toHaveLength(1);
    expect(moneyWrites('this.fundCents -= fee;')).toHaveLength(1);
    expect(moneyWrites('st.b.reserve[a]=0')).toHaveLength(1);
    expect(moneyWrites('ledger.transfer("margin", "market", 1)')).toHaveLength(1);
    expect(moneyWrites('b.margin.set(pop.acctMargin)')).toHaveLength(1);
    expect(moneyWrites('st.books.fundCents = 0')).toHaveLength(1);
    expect(moneyWrites('let paidCents = 0; paidCents += x;')).toHaveLength(1);
    expect(moneyWrites('const c = b.margin[a] / 100; if (b.margin[a] === 0) {}')).toHaveLength(0);
    expect(moneyWrites('const wantCents = Math.ceil(x * 100);')).toHaveLength(0);
    expect(moneyWrites('// b.margin[a] += 5')).toHaveLength(0);
    expect(moneyWrites('events.shortfallCents += shortfall;')).toHaveLength(0);
    expect(moneyWrites('st.fundCents += shortfall;')).toHaveLength(1);
  });

  /** Relative value imports and re-exports of a source text (`import type` / `export type` left out: they vanish at run time). */
  function valueImportsOf(file: string): string[] {
    const text = readFileSync(file, 'utf8');
    const specs = [...text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?\bfrom\s+'(\.{1,2}\/[^']+)'/gm)].map((m) => m[1]);
    return specs.map((s) => path.resolve(path.dirname(file), s.replace(/\.js$/, '.ts')));
  }

  /** Every cycle of a module graph, each as a path that ends where it starts (depth-first). */
  function cyclesOf(graph: Map<string, string[]>): string[][] {
    const state = new Map<string, 1 | 2>();
    const stack: string[] = [];
    const cycles: string[][] = [];
    const visit = (v: string) => {
      state.set(v, 1);
      stack.push(v);
      for (const w of graph.get(v) ?? []) {
        if (state.get(w) === 1) cycles.push([...stack.slice(stack.indexOf(w)), w]);
        else if (!state.has(w)) visit(w);
      }
      stack.pop();
      state.set(v, 2);
    };
    for (const v of graph.keys()) if (!state.has(v)) visit(v);
    return cycles;
  }

  it('no runtime import cycle among static imports in src/ (a phase never calls back into the one that called it: close → waterfall → close was one)', () => {
    const graph = new Map(files.map((f) => [f, valueImportsOf(f)]));
    const cycles = cyclesOf(graph).map((c) => c.map((f) => path.relative(SRC, f)).join(' → '));
    expect(cycles).toEqual([]);
  });

  it('the cycle rule sees a cycle when one exists, and not a type-only one', () => {
    expect(cyclesOf(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual([['a', 'b', 'c', 'a']]);
    expect(cyclesOf(new Map([['a', ['b']], ['b', ['c']], ['c', []]]))).toEqual([]);
    // the engine's old circle, through the real import parser: waterfall imports close at run time
    const waterfall = valueImportsOf(path.join(SRC, 'engine/waterfall.ts'));
    expect(waterfall).toContain(path.join(SRC, 'engine/close.ts'));
    expect(valueImportsOf(path.join(SRC, 'engine/close.ts'))).not.toContain(path.join(SRC, 'engine/waterfall.ts'));
    // a type-only import of the state is not a run-time edge
    expect(valueImportsOf(path.join(SRC, 'engine/step.ts'))).not.toContain(path.join(SRC, 'engine/state.ts'));
  });

  it('no file in src/engine/ is over 400 lines', () => {
    const long = tsFiles(path.join(SRC, 'engine'))
      .map((f) => [path.basename(f), readFileSync(f, 'utf8').split('\n').length] as const)
      .filter(([, n]) => n > 400);
    expect(long).toEqual([]);
  });
});
