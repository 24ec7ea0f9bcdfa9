import { describe, expect, it } from 'vitest';
import { GpuJsBackend, tolerances } from '../src/index.js';
import { TEST_MODES } from './modes.js';
import { runSuites, selectionChecks } from './suites.js';

// The worst error of every kernel over the whole conformance and gradient suites, each kernel
// measured alone against the CPU backend on the same inputs (KernelErrorProbe). The same
// functions run in Chromium (browser.test.ts) and on a real GPU (bench/real-gpu).
describe.each(TEST_MODES)('precision report: gpujs %s mode', (mode) => {
  it('every kernel within the mode tolerance, exact kernels exact, suites green', () => {
    const backend = new GpuJsBackend({ mode, selection: 'kernels', strict: true });
    const report = runSuites(backend, tolerances[mode]);
    const table = report.kernels.map((k) => `${k.kernel.padEnd(28)} ${String(k.calls).padStart(5)} calls  max error ${k.maxError.toExponential(2)}  mismatches ${k.mismatches}`);
    console.log(`gpujs ${mode}: ${report.checks} conformance checks, ${report.gradChecks} gradient checks (worst ${report.worstGradError.toExponential(2)}), ${Math.round(report.ms)} ms\n${table.join('\n')}`);
    expect(report.failures).toEqual([]);
    expect(report.gradFailures).toEqual([]);
    // Every core kernel ran at least once.
    expect(report.kernels.length).toBeGreaterThanOrEqual(25);
    for (const k of report.kernels) {
      expect(k.mismatches, `${k.kernel} at ${k.worstAt}`).toBe(0);
      expect(k.maxError, `${k.kernel} at ${k.worstAt}`).toBeLessThanOrEqual(tolerances[mode].rtol);
    }
  });

  it('k-WTA selection picks exactly the CPU winners (k-WTA batch, ties, special values, denormals)', () => {
    const backend = new GpuJsBackend({ mode, selection: 'kernels', strict: true });
    for (const c of selectionChecks(backend)) {
      // A device that flushes denormals ties what the CPU orders; everything else must be exact.
      if (!(c.denormals && backend.capabilities.denormals === 'flushed')) expect(c.rowsDiffering, c.name).toBe(0);
    }
  });
});
