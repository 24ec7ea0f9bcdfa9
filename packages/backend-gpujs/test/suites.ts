// The suites a gpu.js mode is judged by, as functions: vitest (Node modes), the browser test
// (webgl2 on SwiftShader) and bench/real-gpu (a real GPU) all run these same ones.
import { CpuBackend, Generator, tensor, tidy, topk, topkMask, type Backend } from '@kwta/core';
import { checkAgainstReference, compareGradients, conformanceCases, gradCases, withBackend } from '@kwta/core/testing';
import { KernelErrorProbe, type KernelError, type ModeTolerance } from '../src/index.js';

export interface SuiteReport {
  /** Conformance checks run (cases x seeds) and the ones outside the mode's tolerance. */
  checks: number;
  failures: string[];
  /** Gradient checks run (cases x seeds) and those beyond 5x the tolerance, with the worst error. */
  gradChecks: number;
  gradFailures: string[];
  worstGradError: number;
  /** Worst error of every kernel against the CPU backend on the same inputs. */
  kernels: KernelError[];
  ms: number;
}

/**
 * The core conformance suite and gradient suite on `backend`, against the CPU backend, with every
 * kernel watched by a KernelErrorProbe. Failures are collected, not thrown, so one report says everything.
 */
export function runSuites(backend: Backend, tol: ModeTolerance, seeds = [1, 2], gradSeeds = [1, 2, 3]): SuiteReport {
  const t0 = performance.now();
  const probe = new KernelErrorProbe(backend);
  const reference = new CpuBackend();
  const failures: string[] = [];
  const gradFailures: string[] = [];
  let checks = 0, gradChecks = 0, worstGradError = 0;
  const attempt = (name: string, into: string[], f: () => string | null) => {
    probe.label = name;
    try {
      const err = f();
      if (err) into.push(err);
    } catch (e) {
      into.push(`${name}: threw ${(e as Error).message.split('\n')[0]}`);
    }
  };
  for (const c of conformanceCases()) {
    for (const seed of seeds) {
      checks++;
      attempt(`${c.name} (seed ${seed})`, failures, () => checkAgainstReference(c, seed, probe, reference, tol));
    }
  }
  for (const c of gradCases()) {
    for (const seed of gradSeeds) {
      gradChecks++;
      attempt(`gradient ${c.name} (seed ${seed})`, gradFailures, () => {
        const { maxError, worst } = compareGradients(c, seed, probe, reference);
        worstGradError = Math.max(worstGradError, maxError);
        return maxError < 5 * tol.rtol ? null : `${worst} (error ${maxError.toExponential(2)})`;
      });
    }
  }
  return { checks, failures, gradChecks, gradFailures, worstGradError, kernels: probe.report(), ms: performance.now() - t0 };
}

/** Values that stress an order-preserving key: both zeros, denormals, extremes, infinities, ties. */
export const SPECIAL = [0, -0, 1e-45, -1e-45, 1e-40, -1e-40, 1.1754943508222875e-38, 3.4028234663852886e38, -3.4028234663852886e38,
  Infinity, -Infinity, 1, -1, 1.0000001, 0.99999994, 2, 0.5, 1e-20, 1e20];

const DENORMAL = (v: number) => v !== 0 && Math.abs(v) < 1.1754943508222875e-38;

export interface SelectionCheck {
  name: string;
  shape: [number, number];
  k: number;
  /** Rows whose topkMask or topk indices differ from the CPU backend's. */
  rowsDiffering: number;
  /** The workload holds denormals: a device that flushes them may tie what the CPU orders. */
  denormals: boolean;
}

/** Deterministic pseudo-random values in [0, 1) (no dependence on the backend under test). */
function unit(g: Generator, n: number): number[] {
  return Array.from({ length: n }, () => g.uniform());
}

/**
 * k-WTA selection on `backend` against the CPU backend's winners, exactly (the radix kernels
 * compare integer keys, so any difference is a bug, or flushed denormals where marked). The
 * first workload is a k-WTA batch of `kwtaRows` x 16384 at gamma 0.1.
 */
export function selectionChecks(backend: Backend, kwtaRows = 64): SelectionCheck[] {
  const g = new Generator(2020);
  const workloads: { name: string; shape: [number, number]; k: number; values: number[] }[] = [
    { name: 'k-WTA normal', shape: [kwtaRows, 16384], k: 1638, values: unit(g, kwtaRows * 16384).map((u, i) => Math.fround(Math.tan((u - 0.5) * 3) * (1 + (i % 5)))) },
    { name: 'heavy ties (integers 0..3)', shape: [32, 4096], k: 410, values: unit(g, 32 * 4096).map((u) => Math.floor(u * 4)) },
    { name: 'signed zeros, extremes, infinities', shape: [16, 1024], k: 100, values: unit(g, 16 * 1024).map((u) => SPECIAL.filter((v) => !DENORMAL(v))[Math.floor(u * 15)]) },
    { name: 'denormals', shape: [8, 256], k: 32, values: unit(g, 8 * 256).map((u) => SPECIAL[Math.floor(u * SPECIAL.length)] * (u < 0.5 ? 1 : 1e-3)) },
  ];
  const reference = new CpuBackend();
  return workloads.map(({ name, shape, k, values }) => {
    const pick = (b: Backend) => withBackend(b, () => tidy(() => {
      const x = tensor(Float32Array.from(values), shape);
      return { mask: topkMask(x, k).dataSync(), idx: topk(x, k).indices.dataSync() };
    }));
    const got = pick(backend), want = pick(reference);
    let rowsDiffering = 0;
    for (let r = 0; r < shape[0]; r++) {
      const differs = (a: ArrayLike<number>, b: ArrayLike<number>, n: number) => Array.from({ length: n }, (_, j) => a[r * n + j] !== b[r * n + j]).some(Boolean);
      if (differs(got.mask, want.mask, shape[1]) || differs(got.idx, want.idx, k)) rowsDiffering++;
    }
    return { name, shape, k, rowsDiffering, denormals: values.some(DENORMAL) };
  });
}
