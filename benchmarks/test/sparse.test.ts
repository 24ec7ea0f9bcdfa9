import { describe, expect, it } from 'vitest';
import { resolveSuites, runSuite, type SuiteResult } from '../src/index.js';

async function quick(name: string): Promise<SuiteResult> {
  const [suite] = resolveSuites([name]);
  return JSON.parse(JSON.stringify(await runSuite(suite, { mode: 'quick' }))) as SuiteResult;
}

/** Every case agrees with its reference and reports the ratio of its two contenders' medians. */
function expectSane(r: SuiteResult): void {
  expect(r.summary.agreementFailures).toEqual([]);
  for (const c of r.cases) {
    expect(c.agrees).toBe(true);
    const [num, den] = c.ratios[0].label.split(' / ');
    expect(Math.abs(c.ratios[0].value / (c.contenders[num].medianMs / c.contenders[den].medianMs) - 1)).toBeLessThan(0.01);
    for (const ratio of c.ratios) expect(ratio.met).toBeNull();
  }
}

describe('sparse group (issue 14), quick mode', () => {
  it('sparse-kernels: every pass of every sparse-input layer, dense vs sparse, plus the winners step', async () => {
    const r = await quick('sparse-kernels');
    expectSane(r);
    const passes = r.cases.filter((c) => c.params.pass !== undefined);
    // fc1 and fc2 at two widths and conv2-conv4, three passes each; two winner cases.
    expect(passes).toHaveLength(7 * 3);
    for (const c of passes) {
      const cached = c.id.startsWith('fc') && c.params.pass === 'forward';
      expect(Object.keys(c.contenders)).toEqual(cached ? ['dense', 'sparse', 'sparse-cached'] : ['dense', 'sparse']);
    }
    expect(r.cases.filter((c) => c.id.startsWith('k-WTA winners')).map((c) => Object.keys(c.contenders))).toEqual([['kwta', 'winners'], ['kwta', 'winners']]);
    expect(r.notes).toHaveLength(passes.length);
    for (const n of r.notes) expect(n).toMatch(/^.+: sparse [\d.]+ GMAC\/s; cost model [\d.]+ ms dense \/ [\d.]+ ms sparse \(picks (sparse|dense)\), measured/);
  });

  it('sparse-crossover: dense vs sparse per gamma; a measured and a modelled crossover per layer and pass', async () => {
    const r = await quick('sparse-crossover');
    expectSane(r);
    expect(new Set(r.cases.map((c) => c.params.gamma))).toEqual(new Set([0.1, 1]));
    expect(r.notes).toHaveLength(3 * 3);
    for (const n of r.notes) expect(n).toMatch(/: measured crossover gamma (\d\.\d\d|none \(.+\)|not monotone), cost model \d\.\d\d; sparse fit /);
  });
});
