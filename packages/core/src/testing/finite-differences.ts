import { gradients } from '../autodiff/tape.js';
import { enableGrad, noGrad, tidy } from '../engine.js';
import { DTypeError, ValueError, fmtShape } from '../errors.js';
import { isFloat } from '../dtype.js';
import { Generator } from '../random.js';
import { Tensor } from '../tensor.js';
import * as ops from '../ops/index.js';

/** Options of `gradcheck` (defaults as `torch.autograd.gradcheck` for float64). */
export interface GradcheckOptions {
  /** Finite-difference step h: the numeric derivative is (L(x + h) − L(x − h)) / 2h. Default 1e-6. */
  eps?: number;
  /**
   * The largest accepted error per element, |analytic − numeric| / (1 + |numeric|): torch's test
   * with `atol = rtol = tolerance`. Default 1e-5 (torch's float64 `atol`).
   */
  tolerance?: number;
  /** Seed of the random projection R (the check differentiates sum(f(...inputs) · R)). Default 0. */
  seed?: number;
  /** Which inputs to check, by position (default: every floating-point input). */
  wrt?: readonly number[];
  /**
   * Tensors `f` reads besides its inputs (a module's parameters), as [name, tensor] pairs: each
   * must be float64; its elements are perturbed in place and put back.
   */
  params?: readonly (readonly [string, Tensor])[];
}

/** Where a gradient check found its largest error. */
export interface GradcheckWorst {
  /** `input <i>` for an input, the parameter's name for a parameter. */
  tensor: string;
  /** The flat (row-major) index of the element, and its coordinates. */
  element: number;
  index: number[];
  /** The tape's derivative, the central difference, and the error between them. */
  analytic: number;
  numeric: number;
  error: number;
}

/** What `gradcheck` returns: pass or fail, the worst element, and a one-line message saying so. */
export interface GradcheckResult {
  ok: boolean;
  /** The largest error over every checked element (Infinity when one was NaN). */
  maxError: number;
  /** The element with that error (null when nothing was checked). */
  worst: GradcheckWorst | null;
  message: string;
}

/**
 * Check the tape's gradient of `f` against central finite differences in float64, as
 * `torch.autograd.gradcheck` does. The checked quantity is L = sum(f(...inputs) · R), R a fixed
 * random projection drawn from `seed` (every row and column of a wrong Jacobian shows in it with
 * probability 1); for every element of every checked input (and parameter), the analytic
 * dL/dx is compared with (L(x + h) − L(x − h)) / 2h. Floating-point inputs are copied to float64
 * first; integer inputs are passed through unchecked. The inputs themselves are not modified or
 * disposed.
 *
 * @example
 * const r = gradcheck((x) => tanh(x), [tensor([0.5, -1])]);
 * if (!r.ok) throw new Error(r.message); // names the input, element, analytic and numeric values
 */
export function gradcheck(f: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  const h = options.eps ?? 1e-6;
  const tolerance = options.tolerance ?? 1e-5;
  if (!(h > 0)) throw new ValueError(`gradcheck: eps must be > 0, got ${h}`);
  if (!(tolerance >= 0)) throw new ValueError(`gradcheck: tolerance must be >= 0, got ${tolerance}`);
  inputs.forEach((x, i) => {
    if (!(x instanceof Tensor)) throw new ValueError(`gradcheck: input ${i} is not a Tensor`);
  });
  const wrt = options.wrt ?? inputs.flatMap((x, i) => (isFloat(x.dtype) ? [i] : []));
  for (const i of wrt) {
    if (!inputs[i]) throw new ValueError(`gradcheck: wrt names input ${i}, but f gets ${inputs.length} input(s)`);
    if (!isFloat(inputs[i].dtype)) throw new DTypeError(`gradcheck: input ${i} ${inputs[i].describe()} is not floating point`);
  }
  const params = options.params ?? [];
  for (const [name, p] of params) {
    if (p.dtype !== 'float64') throw new DTypeError(`gradcheck: parameter '${name}' is ${p.dtype}; gradcheck needs float64 (build the module with dtype 'float64')`);
  }
  return tidy(() => {
    const xs = inputs.map((x, i) => (wrt.includes(i) ? noGrad(() => ops.cast(x, 'float64').detach()) : x));
    const probe = noGrad(() => f(...xs));
    if (!(probe instanceof Tensor) || !isFloat(probe.dtype)) throw new ValueError('gradcheck: f must return a floating-point Tensor');
    const proj = new Generator((options.seed ?? 0) >>> 0);
    const R = ops.tensor(Float64Array.from({ length: probe.size }, () => proj.uniform() * 2 - 1), probe.shape, 'float64');
    const loss = () => ops.sum(ops.mul(ops.cast(f(...xs), 'float64'), R));
    const targets: [string, Tensor][] = [...wrt.map((i) => [`input ${i}`, xs[i]] as [string, Tensor]), ...params.map(([n, p]) => [n, p] as [string, Tensor])];
    const analytic = analyticGradients(loss, targets.map(([, t]) => t));
    let worst: GradcheckWorst | null = null;
    targets.forEach(([name, t], ti) => {
      const base = Float64Array.from(t.dataSync());
      const at = (j: number, delta: number) => {
        const v = Float64Array.from(base);
        v[j] += delta;
        return noGrad(() => tidy(() => {
          t.assign(ops.tensor(v, t.shape, 'float64'));
          return loss().item();
        }));
      };
      for (let j = 0; j < base.length; j++) {
        const numeric = (at(j, h) - at(j, -h)) / (2 * h);
        const err = Math.abs(analytic[ti][j] - numeric) / (1 + Math.abs(numeric));
        const error = Number.isNaN(err) ? Infinity : err;
        if (!worst || error > worst.error) worst = { tensor: name, element: j, index: coordinates(j, t.shape), analytic: analytic[ti][j], numeric, error };
      }
      noGrad(() => tidy(() => t.assign(ops.tensor(base, t.shape, 'float64'))));
    });
    return verdict(worst, tolerance, targets);
  });
}

/** dL/dt for every target, as host arrays; the params keep their requiresGrad and .grad. */
function analyticGradients(loss: () => Tensor, targets: Tensor[]): Float64Array[] {
  const before = targets.map((t) => t.requiresGrad);
  for (const t of targets) t.requiresGrad = true;
  try {
    const L = enableGrad(loss);
    if (!L.requiresGrad) return targets.map((t) => new Float64Array(t.size));
    return gradients(L, targets).map((g) => Float64Array.from(g.dataSync()));
  } finally {
    targets.forEach((t, i) => (t.requiresGrad = before[i]));
  }
}

function coordinates(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return index;
}

function verdict(worst: GradcheckWorst | null, tolerance: number, targets: [string, Tensor][]): GradcheckResult {
  if (!worst) return { ok: true, maxError: 0, worst: null, message: 'gradcheck: ok (no floating-point element to check)' };
  const shapeOf = new Map(targets.map(([n, t]) => [n, t.shape]));
  const where = `${worst.tensor} ${fmtShape(shapeOf.get(worst.tensor) ?? [])} element ${worst.element} (index ${fmtShape(worst.index)}): analytic ${worst.analytic}, numeric ${worst.numeric}`;
  const ok = worst.error <= tolerance;
  const message = ok
    ? `gradcheck: ok, largest error ${worst.error.toExponential(2)} at ${where}`
    : `gradcheck: gradient mismatch at ${where}, error ${worst.error.toExponential(2)} > tolerance ${tolerance}`;
  return { ok, maxError: worst.error, worst, message };
}
