import type { Backend } from '../backend.js';
import { getBackend, setBackend, tidy } from '../engine.js';
import { Generator } from '../random.js';
import * as ops from '../ops/index.js';
import { compareOutputs, type ConformanceCase, type Tolerance } from './conformance.js';

/** Run one case on the active backend; returns its outputs as host arrays. */
export function runCase(c: ConformanceCase, seed: number): { values: ArrayLike<number>; shape: number[] }[] {
  const host = c.inputs(new Generator(seed));
  return tidy(() => {
    const xs = host.map((h) => ops.tensor(Float64Array.from(h.values), h.shape, h.dtype));
    return c.run(xs).map((t) => ({ values: t.dataSync(), shape: [...t.shape] }));
  });
}

/** Check a case against its definition on the active backend: null if it conforms. */
export function checkCase(c: ConformanceCase, seed: number, tol: Tolerance): string | null {
  const want = c.expected(c.inputs(new Generator(seed)));
  return compareOutputs(c.name, runCase(c, seed), want, tol);
}

/** Run `fn` with `backend` active, restoring the previous backend afterwards. */
export function withBackend<T>(backend: Backend, fn: () => T): T {
  const prev = getBackend();
  setBackend(backend);
  try {
    return fn();
  } finally {
    setBackend(prev);
  }
}

/** Check a case on `backend` against the reference backend's outputs (the CPU backend). */
export function checkAgainstReference(c: ConformanceCase, seed: number, backend: Backend, reference: Backend, tol: Tolerance): string | null {
  const want = withBackend(reference, () => runCase(c, seed)).map((o) => ({ values: Array.from(o.values), shape: o.shape }));
  return compareOutputs(`${c.name} (vs ${reference.name})`, withBackend(backend, () => runCase(c, seed)), want, tol);
}
