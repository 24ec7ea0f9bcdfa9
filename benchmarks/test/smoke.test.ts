import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatTable, resolveSuites, runSuite, writeResult, type SuiteResult } from '../src/index.js';
import { maxRelativeError, median } from '../src/harness/stats.js';
import { permute, NCHW_TO_NHWC, NHWC_TO_NCHW } from '../src/suites/data.js';
import type { BenchCase, Prepared } from '../src/harness/types.js';
import { runCase } from '../src/harness/run.js';
import { measureInterleaved, settle } from '../src/harness/measure.js';

const outDir = mkdtempSync(path.join(tmpdir(), 'kwta-bench-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** Run a suite in quick mode, write its JSON the way the CLI does, and read it back. */
async function roundTrip(name: string): Promise<SuiteResult> {
  const [suite] = resolveSuites([name]);
  const file = writeResult(await runSuite(suite, { mode: 'quick' }), outDir);
  expect(path.basename(file)).toBe(`${name}.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as SuiteResult;
}

/** The JSON keeps 3-4 significant digits, so derived numbers agree to about 1%. */
function expectRelClose(actual: number, expected: number): void {
  expect(Math.abs(actual / expected - 1)).toBeLessThan(0.01);
}

function expectSane(r: SuiteResult, expectedCases: number): void {
  expect(r.mode).toBe('quick');
  expect(r.machine.cores).toBeGreaterThan(0);
  expect(r.machine.cpuModel.length).toBeGreaterThan(0);
  expect(r.machine.node).toBe(process.version);
  expect(r.machine.loadAverage).toHaveLength(3);
  expect(Number.isNaN(Date.parse(r.date))).toBe(false);
  expect(r.cases).toHaveLength(expectedCases);
  expect(new Set(r.cases.map((c) => c.id)).size).toBe(expectedCases);
  expect(r.summary.agreementFailures).toEqual([]);
  for (const c of r.cases) {
    expect(Object.keys(c.contenders)).toEqual(['kwta', 'tfjs-cpu', 'tfjs-wasm']);
    expect(c.agrees).toBe(true);
    expect(c.flops).toBeGreaterThan(0);
    for (const res of Object.values(c.contenders)) {
      expect(res.samplesMs).toHaveLength(res.rounds);
      expect(res.rounds).toBeGreaterThanOrEqual(r.settings.minRounds);
      for (const s of res.samplesMs) expect(s).toBeGreaterThan(0);
      expect(res.minMs).toBeLessThanOrEqual(res.medianMs);
      expect(res.medianMs).toBeLessThanOrEqual(res.maxMs);
      expectRelClose(res.gflops!, c.flops / (res.medianMs * 1e6));
      expect(res.maxRelError).not.toBeNull();
      expect(res.maxRelError!).toBeLessThanOrEqual(c.tolerance);
    }
    expect(c.contenders[c.reference].maxRelError).toBe(0);
    expect(c.ratios.map((x) => x.label)).toEqual(['tfjs-cpu / kwta', 'tfjs-wasm / kwta']);
    for (const ratio of c.ratios) {
      const expected = c.contenders[ratio.numerator].medianMs / c.contenders[ratio.denominator].medianMs;
      expectRelClose(ratio.value, expected);
    }
    expect(c.ratios[0].met).toBe(c.ratios[0].value >= 2);
    expect(c.ratios[1].met).toBeNull();
  }
  const table = formatTable(r).split('\n');
  expect(table).toHaveLength(expectedCases + 2);
}

describe('benchmark harness, quick mode', () => {
  it('matmul suite: sane JSON, tfjs-wasm really on wasm', async () => {
    const r = await roundTrip('matmul');
    expectSane(r, 4);
    const tfjs = r.environment.tfjs as { backends: { cpu: { name: string }; wasm: { name: string; threads: number } } };
    expect(tfjs.backends.cpu.name).toBe('cpu');
    expect(tfjs.backends.wasm.name).toBe('wasm');
    expect(tfjs.backends.wasm.threads).toBeGreaterThanOrEqual(1);
  });

  it('conv2d suite (forward and backward, both layouts): sane JSON', async () => {
    expectSane(await roundTrip('conv2d'), 8);
  });

  it('flags a contender whose outputs are wrong', async () => {
    const fake = (name: string, value: number) => ({
      name,
      prepare: async (): Promise<Prepared> => ({ run() {}, outputs: () => [Float32Array.of(1, value)], dispose() {} }),
    });
    const c: BenchCase = {
      id: 'fake', description: 'fake', params: {}, flops: 0, reference: 'ref', tolerance: 1e-4,
      ratios: [{ numerator: 'ref', denominator: 'wrong', target: { min: 0 } }],
      contenders: () => [fake('ref', 2), fake('wrong', 2.5)],
    };
    const r = await runCase(c, { warmupRounds: 1, minRounds: 2, maxRounds: 2, budgetMs: 1, slowRunMs: 5000, settleAfterGc: false });
    expect(r.agrees).toBe(false);
    expect(r.contenders.wrong.maxRelError).toBeCloseTo(0.25, 6);
    expect(r.contenders.wrong.gflops).toBeNull();
  });

  it('rejects unknown suite names', () => {
    expect(() => resolveSuites(['nope'])).toThrow(/unknown suite or group 'nope'/);
    expect(resolveSuites(['core', 'matmul']).map((s) => s.name)).toEqual(['matmul', 'conv2d']);
  });
});

describe('harness helpers', () => {
  const logging = (log: string[], name: string): Prepared => ({ run: () => void log.push(name), outputs: () => [], dispose() {} });

  it('interleaves contenders round by round', async () => {
    const log: string[] = [];
    const samples = await measureInterleaved([logging(log, 'A'), logging(log, 'B'), logging(log, 'C')], {
      warmupRounds: 1, minRounds: 3, maxRounds: 3, budgetMs: 1e9, slowRunMs: 1e9, settleAfterGc: true,
    });
    expect(log.join('')).toBe('ABC'.repeat(4)); // one warm-up round, three measured
    expect(samples.map((s) => s.length)).toEqual([3, 3, 3]);
  });

  it('samples a slow contender only to fill the budget, counting its warm-up run', async () => {
    const log: string[] = [];
    const samples = await measureInterleaved([logging(log, 'A'), logging(log, 'B')], {
      warmupRounds: 1, minRounds: 5, maxRounds: 2, budgetMs: 1e9, slowRunMs: -1, settleAfterGc: false,
    });
    expect(log.join('')).toBe('ABAB');
    expect(samples.map((s) => s.length)).toEqual([2, 2]);
  });

  it('settle waits for two quiet milliseconds after a collection, and gives up after 50 busy ones', async () => {
    const t0 = performance.now();
    await settle();
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(2);
    expect(took).toBeLessThan(2000);
  });

  it('median, relative error with NaN, layout round trip', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(maxRelativeError([1, NaN, 3], [1, 2, 3])).toBe(Infinity);
    expect(maxRelativeError([1, 2], [1, 2, 3])).toBe(Infinity);
    expect(maxRelativeError([1, 2.5], [1, -5])).toBeCloseTo(1.5, 12);
    const shape = [2, 3, 4, 5];
    const data = Float32Array.from({ length: 120 }, (_, i) => i);
    const nhwc = permute(data, shape, NCHW_TO_NHWC);
    // element (n=1, c=2, h=3, w=4) sits at ((1*4 + 3)*5 + 4)*3 + 2 in NHWC
    expect(nhwc[((1 * 4 + 3) * 5 + 4) * 3 + 2]).toBe(((1 * 3 + 2) * 4 + 3) * 5 + 4);
    expect(Array.from(permute(nhwc, [2, 4, 5, 3], NHWC_TO_NCHW))).toEqual(Array.from(data));
  });
});
