/**
 * The architecture rules of docs/design.md §6, checked on the source (io: bounded reads and whole-folder
 * writes, a base utility like errors):
 * - layers: scenario → rng → price / agents / margin / liquidation / ledger → engine → monte carlo →
 *   stats → api → sweep (and validate) → report → cli; a module may import its own layer or lower ones, never a
 *   higher one;
 * - no runtime import cycle: the imports that run (static, re-exports and dynamic `import()`, as
 *   esbuild emits them — type-only imports and names used only as types are dropped) form no circle;
 * - money moves in one place: in the engine only `src/engine/books.ts` touches the ledger or writes a
 *   balance (margin, reserve, wallet, fund, vault); every other phase reads balances and calls Books;
 * - browser code (src/report/browser/, bundled into the report's page) uses at run time only its own
 *   folder and src/report/format.ts; type imports from anywhere are erased by the bundler.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { transformSync } from 'esbuild';

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
  validate: 8,
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

/**
 * The relative imports of a source file that run: the file compiled as esbuild (and tsc) emits it —
 * `import type`, `import { type X }` and names used only as types are gone — then its static imports,
 * re-exports, side-effect imports and dynamic `import()`, resolved to .ts paths under src/.
 */
function runtimeImportsOf(file: string): string[] {
  const js = transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', target: 'es2022' }).code;
  return runtimeImportsInJs(js).map((s) => path.resolve(path.dirname(file), s.replace(/\.js$/, '.ts')));
}

/** Relative module specifiers imported by emitted JavaScript (`from "./x.js"`, `import "./x.js"`, `import("./x.js")`). */
function runtimeImportsInJs(js: string): string[] {
  return [...js.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*)["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1]);
}

/**
 * The import circles of a graph (file → files it imports): each strongly connected component of more
 * than one file, or a file importing itself, written as one circle through it (`a → b → a`), files
 * relative to `root` and each circle starting at its alphabetically first file.
 */
function importCycles(graph: ReadonlyMap<string, readonly string[]>, root = ''): string[] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(c);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  const rel = (f: string) => (root ? path.relative(root, f) : f);
  return components.map((c) => {
    // one circle through the component: from its first file, breadth-first back to it inside the component
    const inC = new Set(c);
    const start = [...c].sort((a, b) => rel(a).localeCompare(rel(b)))[0];
    const prev = new Map<string, string>();
    const queue = [start];
    let end: string | undefined;
    while (queue.length && end === undefined) {
      const v = queue.shift()!;
      for (const w of graph.get(v) ?? []) {
        if (!inC.has(w)) continue;
        if (w === start) {
          end = v;
          break;
        }
        if (!prev.has(w)) {
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    const circle = [start];
    for (let v = end!; v !== start; v = prev.get(v)!) circle.splice(1, 0, v);
    return [...circle, start].map(rel).join(' → ');
  }).sort();
}

/**
 * Runtime import circles known and being removed, each with the work that removes it. The test fails on
 * any other circle, and on an entry here that no longer exists (delete it then).
 */
const KNOWN_CYCLES: Record<string, string> = {
  // (empty: engine/close.ts → engine/waterfall.ts → engine/close.ts went with issue 20 item 2, the loss
  // waterfall as its own phase after the closes)
};

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

  it('no runtime import cycle in src/ (type-only imports are fine)', () => {
    const graph = new Map(files.map((f) => [f, runtimeImportsOf(f)] as const));
    const cycles = importCycles(graph, SRC);
    expect(cycles.filter((c) => !(c in KNOWN_CYCLES))).toEqual([]);
    // a circle that is gone leaves the known list too
    expect(Object.keys(KNOWN_CYCLES).filter((c) => !cycles.includes(c))).toEqual([]);
  });

  it('the cycle check sees a circle through a dynamic import, and not one through types only', () => {
    const js = (ts: string) => runtimeImportsInJs(transformSync(ts, { loader: 'ts', format: 'esm' }).code);
    // what runs: static, re-export, side-effect and dynamic imports
    expect(js(`import { a } from './a.js'; export { b } from './b.js'; import './c.js'; export * from './d.js'; a(); const e = await import('./e.js');`))
      .toEqual(['./a.js', './b.js', './c.js', './d.js', './e.js']);
    // what does not: type-only imports, names used only as types, import() in a type
    expect(js(`import type { A } from './a.js'; import { type B } from './b.js'; import { C } from './c.js'; export type { D } from './d.js'; let x: A | B | C | import('./e.js').E;`))
      .toEqual([]);
    const g = new Map<string, string[]>([
      ['cli/saved.ts', ['cli/report.ts']],
      ['cli/report.ts', ['cli/saved.ts', 'io/files.ts']],
      ['io/files.ts', []],
      ['a.ts', ['a.ts']],
    ]);
    expect(importCycles(g)).toEqual(['a.ts → a.ts', 'cli/report.ts → cli/saved.ts → cli/report.ts']);
    expect(importCycles(new Map([['x.ts', ['y.ts']], ['y.ts', []]]))).toEqual([]);
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

  /**
   * Relative imports that a bundler keeps (run time): `import type …` and imports whose every name is
   * marked `type` are erased; static, side-effect, re-export and dynamic imports are kept.
   */
  function runtimeImports(text: string): string[] {
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    const out: string[] = [];
    for (const m of code.matchAll(/\b(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*'([^']+)'/g)) {
      const names = m[3].match(/^\{([\s\S]*)\}$/);
      const allTypes = names !== null && names[1].split(',').map((x) => x.trim()).filter(Boolean).every((x) => x.startsWith('type '));
      if (!m[2] && !allTypes) out.push(m[4]);
    }
    for (const m of code.matchAll(/\bimport\s*(?:\(\s*)?'([^']+)'/g)) out.push(m[1]);
    return out;
  }

  /** Run-time imports of a browser module that are not allowed: outside src/report/browser/ and report/format.ts. */
  function browserViolations(file: string, text: string): string[] {
    const allowed = (target: string) => path.dirname(target) === path.join(SRC, 'report/browser') || target === path.join(SRC, 'report/format.ts');
    return runtimeImports(text)
      .map((spec) => (spec.startsWith('.') ? path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')) : spec))
      .filter((target) => !path.isAbsolute(target) || !allowed(target))
      .map((target) => `${path.relative(SRC, file)} imports ${path.isAbsolute(target) ? path.relative(SRC, target) : target} at run time`);
  }

  it('browser code (src/report/browser/) uses at run time only its own folder and report/format.ts', () => {
    const dir = path.join(SRC, 'report/browser');
    const browser = tsFiles(dir);
    expect(browser.length).toBeGreaterThan(0);
    expect(browser.flatMap((f) => browserViolations(f, readFileSync(f, 'utf8')))).toEqual([]);
  });

  it('the browser rule sees a run-time import of the engine or a package, and lets type imports through', () => {
    const f = path.join(SRC, 'report/browser/fake.ts');
    expect(browserViolations(f, "import { simulatePath } from '../../engine/path.js';")).toHaveLength(1);
    expect(browserViolations(f, "import { copy, type SpecNode } from '../whatif/levers.js';")).toHaveLength(1);
    expect(browserViolations(f, "import embed from 'vega-embed';")).toHaveLength(1);
    expect(browserViolations(f, "export { applyLevers } from '../whatif/levers.js';")).toHaveLength(1);
    expect(browserViolations(f, "const m = await import('../../cli/main.js');")).toHaveLength(1);
    expect(browserViolations(f, "import '../../engine/path.js';")).toHaveLength(1);
    expect(browserViolations(f, "import type { Lever } from '../whatif/levers.js';")).toHaveLength(0);
    expect(browserViolations(f, "import { type Lever, type LeverKey } from '../whatif/levers.js';")).toHaveLength(0);
    expect(browserViolations(f, "import type * as Vega from 'vega';")).toHaveLength(0);
    expect(browserViolations(f, "import { fmtPct } from '../format.js';\nimport { wrap } from './fit.js';")).toHaveLength(0);
  });

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

  it('no file in src/engine/ is over 400 lines', () => {
    const long = tsFiles(path.join(SRC, 'engine'))
      .map((f) => [path.basename(f), readFileSync(f, 'utf8').split('\n').length] as const)
      .filter(([, n]) => n > 400);
    expect(long).toEqual([]);
  });
});
