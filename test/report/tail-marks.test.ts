/**
 * The default report shows the paths each tail figure rests on and marks thin ones (fewer than 10
 * tail or non-zero paths, or an open limit) with the paths a run would need; a run with books redrawn
 * shows the variance split into market paths and books.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/api/run.js';
import { renderHtml } from '../../src/report/html.js';
import { small } from '../helpers/scenarios.js';

describe('tail counts and thin marks in the report', () => {
  it('headline cards and the bad-debt table give tail counts; thin figures carry the mark and the paths needed', async () => {
    const r = await runScenario(small({ paths: 30 }), { workers: 0, drilldown: false });
    const html = renderHtml(r);
    expect(html).toMatch(/mean of the worst 1% of paths; 1 tail path, \d+ non-zero/);
    expect(html).toMatch(/<span class="thin" title="[^"]*">thin · needs ≥ [\d,]+ paths<\/span>/);
    expect(html).toContain('Rests on');
    expect(html).toMatch(/\[\$?[\d.,kM]+, open\]/);
    // 30 paths: 15 books of 2 by default, and the method note says the figures average over them
    expect(html).toContain('The figures average over 15 market states: the trader book and its warm-up history are redrawn every 2 paths.');
    const one = renderHtml(await runScenario(small({ paths: 30, sampling: { pathsPerBook: 'all' } }), { workers: 0, drilldown: false }));
    expect(one).toContain('one draw, held fixed (one market state): the figures are conditioned on it');
  });
  it('with books redrawn per block the report has the variance decomposition', async () => {
    const r = await runScenario(small({ paths: 30, sampling: { pathsPerBook: 10 } }), { workers: 0, drilldown: false });
    const html = renderHtml(r);
    expect(html).toContain('Sampling and uncertainty');
    expect(html).toContain('Share of variance from books');
    expect(html).toMatch(/redrawn and seasoned 3 times/);
  });
});
