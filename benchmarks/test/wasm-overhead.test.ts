import { tensor, setBackend, getBackend } from '@kwta/core';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSuites, runSuite, type SuiteResult } from '../src/index.js';
import { kwtaBackend } from '../src/contenders/backends.js';
import { findTorch, torchBlasLibraries } from '../src/contenders/pytorch.js';
import { initTfjs, tf } from '../src/contenders/tfjs.js';
import { registerTfjsGradients } from '../src/contenders/tfjs-gradients.js';
import { measureClockGHz, simdPeak } from '../src/harness/peak.js';
import { mnistConfig, mnistInit, stepFlops, type MnistStepConfig } from '../src/suites/mnist/config.js';
import { kwtaMnistStep } from '../src/suites/mnist/kwta-step.js';
import { tfjsMnistStep } from '../src/suites/mnist/tfjs-step.js';

const before = getBackend();
afterAll(() => setBackend(before));

async function quick(name: string): Promise<SuiteResult> {
  const [suite] = resolveSuites([name]);
  return JSON.parse(JSON.stringify(await runSuite(suite, { mode: 'quick' }))) as SuiteResult;
}

/** Every case agrees, lists these contenders, and its ratios are the medians' ratios with honest ✓/✗. */
function expectSane(r: SuiteResult, contenders: string[], ratioLabels: string[]): void {
  expect(r.mode).toBe('quick');
  expect(r.cases.length).toBeGreaterThan(0);
  expect(r.summary.agreementFailures).toEqual([]);
  for (const c of r.cases) {
    expect(Object.keys(c.contenders)).toEqual(contenders);
    expect(c.agrees).toBe(true);
    for (const res of Object.values(c.contenders)) {
      expect(res.rounds).toBeGreaterThanOrEqual(1);
      for (const s of res.samplesMs) expect(s).toBeGreaterThan(0);
      expect(res.maxRelError!).toBeLessThanOrEqual(c.tolerance);
    }
    expect(c.ratios.map((x) => x.label)).toEqual(ratioLabels);
    for (const ratio of c.ratios) {
      const expected = c.contenders[ratio.numerator].medianMs / c.contenders[ratio.denominator].medianMs;
      expect(Math.abs(ratio.value / expected - 1)).toBeLessThan(0.01);
      const t = ratio.target;
      if (!t) expect(ratio.met).toBeNull();
      else expect(ratio.met).toBe((t.min === undefined || ratio.value >= t.min) && (t.max === undefined || ratio.value <= t.max));
    }
  }
}

describe('wasm group (issue 8), quick mode', () => {
  it('wasm-matmul: 2-thread wasm vs tfjs-wasm, js as reference, peak in the notes', async () => {
    const r = await quick('wasm-matmul');
    expect(r.cases[0].reference).toBe('kwta-js');
    expect(r.cases[0].ratios[0]).toMatchObject({ label: 'tfjs-wasm / kwta-wasm', target: { min: 1.3 } });
    for (const c of r.cases) expect(c.ratios[1].met).toBeNull();
    expectSane({ ...r, cases: r.cases.map((c) => ({ ...c, ratios: c.ratios.slice(0, 1) })) }, ['kwta-wasm', 'tfjs-wasm', 'kwta-js'], ['tfjs-wasm / kwta-wasm']);
    expect((r.environment.kwtaWasm as { threads: number }).threads).toBe(2);
    expect(r.notes[0]).toMatch(/^128-bit SIMD peak on 2 cores: [\d.]+ GFLOP\/s \(16 flops\/cycle/);
    expect(r.notes.slice(1).map((n) => n.split(':')[0])).toEqual(r.cases.map((c) => c.id));
  });

  it('wasm-mnist-train: kwta, tfjs-cpu (and PyTorch if present) agree on the losses', async () => {
    const r = await quick('wasm-mnist-train');
    const torch = findTorch().available;
    // One PyTorch per BLAS library installed (each forced with LD_LIBRARY_PATH), else plain 'pytorch'.
    const libs = torchBlasLibraries();
    const torches = !torch ? [] : libs.length ? libs.map((l) => `pytorch-${l.id}`) : ['pytorch'];
    expectSane(r, ['kwta-wasm', 'kwta-wasm-gemm', 'tfjs-cpu', ...torches],
      ['tfjs-cpu / kwta-wasm', 'kwta-wasm-gemm / kwta-wasm', ...torches.map((t) => `${t} / kwta-wasm`)]);
    expect(r.notes[0]).toMatch(torch ? /^PyTorch \S+ .*match it/ : /^PyTorch: not run: python3 -c "import torch" failed/);
    // Each variant really loaded the library it was pointed at (the contender refuses otherwise).
    libs.filter(() => torch).forEach((l, i) => expect(r.notes[1 + i]).toMatch(new RegExp(`^pytorch-${l.id}: \\d+ threads, BLAS .*${l.dir}`)));
    // The target sits on PyTorch with OpenBLAS (issue 14), never on the reference BLAS shown beside it;
    // the plain 'pytorch' (no library folder found) keeps it.
    const targeted = r.cases[0].ratios.filter((x) => x.target).map((x) => x.label);
    expect(targeted).toEqual(['tfjs-cpu / kwta-wasm', ...torches.filter((t) => t === 'pytorch-openblas' || t === 'pytorch').map((t) => `${t} / kwta-wasm`)]);
  });

  it('wasm-kwta-relu: k-WTA and ReLU each checked against their own js run', async () => {
    const r = await quick('wasm-kwta-relu');
    expectSane(r, ['relu-wasm', 'kwta-wasm', 'relu-js', 'kwta-js'], ['kwta-wasm / relu-wasm', 'kwta-js / relu-js']);
    expect(r.cases[0].referenceFor).toEqual({ 'relu-wasm': 'relu-js', 'relu-js': 'relu-js' });
  });

  it('wasm-elementwise: wasm, wasm-gemm and js agree on every op', async () => {
    const r = await quick('wasm-elementwise');
    expectSane(r, ['wasm', 'wasm-gemm', 'js'], ['js / wasm', 'wasm-gemm / wasm']);
    expect(r.cases.map((c) => c.id.split(' ')[0])).toEqual(['add', 'add', 'mul', 'relu', 'sum', 'topkMask']);
  });
});

describe('overhead group (issue 7), quick mode', () => {
  it('overhead-activations and overhead-train: targets 1.5x and 1.05x', async () => {
    const labels = ['kwta-wasm / relu-wasm', 'kwta-js / relu-js'];
    const act = await quick('overhead-activations');
    expectSane(act, ['relu-wasm', 'kwta-wasm', 'relu-js', 'kwta-js'], labels);
    expect(act.cases.every((c) => c.ratios.every((x) => x.target?.max === 1.5))).toBe(true);
    const train = await quick('overhead-train');
    expectSane(train, ['relu-wasm', 'kwta-wasm', 'relu-js', 'kwta-js'], labels);
    expect(train.cases.every((c) => c.ratios.every((x) => x.target?.max === 1.05))).toBe(true);
  });
});

describe('pieces', () => {
  it('the MNIST CNN at full size starts at loss ~ln 10 in kwta and in tfjs, on the same weights', async () => {
    await registerTfjsGradients();
    await initTfjs();
    await tf.setBackend('cpu');
    const cfg: MnistStepConfig = { ...mnistConfig(32), batch: 2 };
    const init = mnistInit(cfg);
    setBackend(kwtaBackend('wasm'));
    const k = kwtaMnistStep(cfg, init, 'relu');
    const t = tfjsMnistStep(cfg, init);
    const [[k0, k1]] = k.outputs!();
    const [[t0, t1]] = t.outputs!();
    k.dispose!();
    k.inputs.forEach((x) => x.dispose());
    tf.dispose(t.inputs);
    expect(Math.abs(k0 - Math.log(10))).toBeLessThan(0.3);
    expect(Math.abs(k0 - t0)).toBeLessThan(1e-4);
    expect(Math.abs(k1 - t1)).toBeLessThan(1e-4); // after one SGD step: the gradients agree too
    expect(k1).not.toBe(k0);
  });

  it('step flops count the forward pass three times less the first input gradient', () => {
    const cfg = mnistConfig(100);
    const first = 2 * 64 * 32 * 28 * 28 * 9;
    const fwd = first + 2 * 64 * 32 * 14 * 14 * 32 * 9 + 2 * 64 * 64 * 14 * 14 * 32 * 9 + 2 * 64 * 64 * 7 * 7 * 64 * 9 + 2 * 64 * (3136 * 100 + 1000);
    expect(stepFlops(cfg)).toBe(3 * fwd - first);
  });

  it('the clock probe and the peak are plausible', () => {
    const ghz = measureClockGHz(1e6);
    expect(ghz).toBeGreaterThan(0.3);
    expect(ghz).toBeLessThan(8);
    const p = simdPeak(2, 1e6);
    expect(p.peakGflops).toBeCloseTo(16 * p.measuredGHz * 2, -1);
  });

  it('kwta backends are distinct and reused', () => {
    expect(kwtaBackend('wasm')).toBe(kwtaBackend('wasm'));
    expect(kwtaBackend('wasm')).not.toBe(kwtaBackend('js'));
    setBackend(kwtaBackend('js'));
    expect(tensor([1, 2]).dataSync()).toEqual(Float32Array.of(1, 2));
  });
});
