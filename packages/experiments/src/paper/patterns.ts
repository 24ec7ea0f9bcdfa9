import { Generator, ValueError, add, matmul, mul, noGrad, randn, tensor, tidy, topkMask, type Tensor } from '@kwta/core';
import { KWTA, captureActivationPatterns, countPatternChanges, kFromGamma, type Module } from '@kwta/nn';

/**
 * The activation-pattern study behind the paper's Theorems 1 and 2, on a single random k-WTA
 * layer phi_k(W x) with W_ij ~ N(0, 1/l), b = 0 (the theorems' setting), fed real data points.
 */
export interface RandomLayerOptions {
  /** Data points, one per row: [N, m] (flattened images). */
  points: Float32Array;
  dim: number;
  widths: number[];
  gen: Generator;
}

export interface DenseDiscontinuityOptions extends RandomLayerOptions {
  gammas: number[];
  /** Perpendicular distances d(x, x') relative to ||x||: the theorem's sqrt(beta). */
  radii: number[];
  /** Random perpendicular directions tried per point (the ball is probed along these). */
  directions: number;
}

/**
 * One cell of the Theorem 1 study (width, gamma, radius): how often the winner set changes within a small
 * ball.
 */
export interface DenseDiscontinuityCell {
  width: number;
  gamma: number;
  k: number;
  radius: number;
  /** Fraction of points whose winner set changed along at least one direction. */
  changedFraction: number;
  /** Mean |A(x) symmetric-difference A(x')| / (2k) over points and directions: share of winners replaced. */
  swappedFraction: number;
}

/** Theorem 1: how often does A(Wx) change when x moves perpendicular to itself by radius * ||x||? */
export function denseDiscontinuities(o: DenseDiscontinuityOptions): DenseDiscontinuityCell[] {
  const n = checkPoints('denseDiscontinuities', o.points, o.dim);
  const dirs = perpendicularDirections(o.points, n, o.dim, o.directions, o.gen);
  const norms = rowNorms(o.points, n, o.dim);
  const cells: DenseDiscontinuityCell[] = [];
  for (const l of o.widths) {
    noGrad(() => tidy(() => {
      const w = randn([o.dim, l], o.gen, { std: 1 / Math.sqrt(l) });
      const h = matmul(tensor(o.points, [n, o.dim], 'float32'), w);
      // h' = W(x + d u) = h + d (W u): one product per direction serves every radius.
      const hu = dirs.map((u) => matmul(tensor(u, [n, o.dim], 'float32'), w));
      for (const gamma of o.gammas) {
        const k = Math.floor(gamma * l);
        if (k < 1) throw new ValueError(`denseDiscontinuities: gamma ${gamma} gives k = 0 at width ${l}`);
        const base = topkMask(h, k).dataSync() as Uint8Array;
        for (const radius of o.radii) {
          const scale = tensor(Float32Array.from(norms, (v) => v * radius), [n, 1], 'float32');
          const changed = new Uint8Array(n);
          let swapped = 0;
          for (const d of hu) {
            const moved = topkMask(add(h, mul(d, scale)), k).dataSync() as Uint8Array;
            for (let i = 0; i < n; i++) {
              let diff = 0;
              for (let j = i * l; j < (i + 1) * l; j++) if (moved[j] !== base[j]) diff++;
              if (diff > 0) changed[i] = 1;
              swapped += diff / (2 * k);
            }
          }
          cells.push({
            width: l, gamma, k, radius,
            changedFraction: changed.reduce((s, c) => s + c, 0) / n,
            swappedFraction: swapped / (n * hu.length),
          });
        }
      }
    }));
  }
  return cells;
}

/** The smallest radius at which at least half the points changed pattern (log-interpolated), or null. */
export function criticalRadius(cells: DenseDiscontinuityCell[], width: number, gamma: number): number | null {
  const row = cells.filter((c) => c.width === width && c.gamma === gamma).sort((a, b) => a.radius - b.radius);
  for (let i = 0; i < row.length; i++) {
    if (row[i].changedFraction < 0.5) continue;
    if (i === 0) return row[0].radius;
    const [a, b] = [row[i - 1], row[i]];
    const t = (0.5 - a.changedFraction) / (b.changedFraction - a.changedFraction);
    return Math.exp(Math.log(a.radius) + t * (Math.log(b.radius) - Math.log(a.radius)));
  }
  return null;
}

export interface OverlapOptions extends RandomLayerOptions {
  /** Fixed numbers of winners k (Theorem 2 fixes k and lets the width grow). */
  ks: number[];
  /** Independent draws of W averaged per width (default 1). */
  trials?: number;
}

/** One cell of the Theorem 2 study (width, k): how much different inputs' winner sets overlap. */
export interface OverlapCell {
  width: number;
  k: number;
  /** Mean |A(x_i) ∩ A(x_j)| / k over pairs i < j (and over draws of W). */
  meanOverlap: number;
  /** Fraction of pairs with disjoint winner sets (the theorem's event, pair by pair). */
  disjointFraction: number;
  /** The same for two independent uniformly random k-subsets of [l]: k / l. */
  randomOverlap: number;
}

/** Theorem 2: winner sets of different data points become disjoint as the layer widens (k fixed). */
export function patternOverlap(o: OverlapOptions): OverlapCell[] {
  const n = checkPoints('patternOverlap', o.points, o.dim);
  const trials = o.trials ?? 1;
  if (!Number.isInteger(trials) || trials < 1) throw new ValueError(`patternOverlap: trials must be a positive integer, got ${trials}`);
  const cells: OverlapCell[] = [];
  for (const l of o.widths) {
    for (const k of o.ks) if (k > l) throw new ValueError(`patternOverlap: k = ${k} exceeds width ${l}`);
    const sums = o.ks.map(() => ({ overlap: 0, disjoint: 0 }));
    for (let t = 0; t < trials; t++) {
      noGrad(() => tidy(() => {
        const h = matmul(tensor(o.points, [n, o.dim], 'float32'), randn([o.dim, l], o.gen, { std: 1 / Math.sqrt(l) }));
        o.ks.forEach((k, i) => {
          const r = pairwiseOverlap(winnerLists(topkMask(h, k).dataSync() as Uint8Array, n, l), k);
          sums[i].overlap += r.meanOverlap / trials;
          sums[i].disjoint += r.disjointFraction / trials;
        });
      }));
    }
    o.ks.forEach((k, i) => cells.push({ width: l, k, meanOverlap: sums[i].overlap, disjointFraction: sums[i].disjoint, randomOverlap: k / l }));
  }
  return cells;
}

/** Indices of the winners of each row of a flat [n, l] mask. */
export function winnerLists(mask: ArrayLike<number>, n: number, l: number): Int32Array[] {
  return Array.from({ length: n }, (_, i) => {
    const out: number[] = [];
    for (let j = 0; j < l; j++) if (mask[i * l + j]) out.push(j);
    return Int32Array.from(out);
  });
}

/** Mean overlap |A_i ∩ A_j| / k and the fraction of disjoint pairs, over all pairs (or pairs passing `keep`). */
export function pairwiseOverlap(sets: Int32Array[], k: number, keep: (i: number, j: number) => boolean = () => true): { meanOverlap: number; disjointFraction: number; pairs: number } {
  let sum = 0, disjoint = 0, pairs = 0;
  for (let i = 0; i < sets.length; i++) {
    for (let j = i + 1; j < sets.length; j++) {
      if (!keep(i, j)) continue;
      const a = sets[i], b = sets[j];
      let p = 0, q = 0, common = 0;
      while (p < a.length && q < b.length) {
        if (a[p] === b[q]) { common++; p++; q++; } else if (a[p] < b[q]) p++; else q++;
      }
      sum += common / k;
      if (common === 0) disjoint++;
      pairs++;
    }
  }
  return { meanOverlap: pairs ? sum / pairs : NaN, disjointFraction: pairs ? disjoint / pairs : NaN, pairs };
}

/** Options of {@link trainedBallChanges}: the test images, the radii and the samples per ball. */
export interface TrainedBallOptions {
  /** Test images [N, C, H, W]. */
  images: Tensor;
  /** L-inf radii of the balls. */
  radii: number[];
  /** Random points (corners of the ball: x + r * random signs) tried per test point and radius. */
  samples: number;
  gen: Generator;
}

/**
 * One radius of {@link trainedBallChanges}: how often, and how much, a trained network's k-WTA patterns
 * change within the ball.
 */
export interface TrainedBallCell {
  radius: number;
  /** Fraction of test points with some sample whose pattern differs in any k-WTA layer. */
  changedFraction: number;
  /** Per layer: mean |A Δ A'| / (2k), the share of that layer's winners replaced. */
  swappedByLayer: Record<string, number>;
}

/** Theorem 1 in a trained network: pattern changes of every k-WTA layer within L-inf balls. */
export function trainedBallChanges(model: Module, o: TrainedBallOptions): TrainedBallCell[] {
  const n = o.images.shape[0];
  const base = captureActivationPatterns(model, o.images);
  const winners = base.map((p) => countWinners(p.mask, p.numFeatures));
  return o.radii.map((radius) => {
    const changed = new Uint8Array(n);
    const swapped = base.map(() => 0);
    for (let s = 0; s < o.samples; s++) {
      const moved = tidy(() => {
        const noise = tensor(Float32Array.from({ length: o.images.size }, () => (o.gen.uniform() < 0.5 ? -radius : radius)), o.images.shape, 'float32');
        return add(o.images, noise).keep();
      });
      const after = captureActivationPatterns(model, moved);
      moved.dispose();
      const diff = countPatternChanges(base, after);
      diff.changed.forEach((c, i) => (changed[i] ||= c ? 1 : 0));
      diff.perLayer.forEach((counts, l) => (swapped[l] += counts.reduce((a, c) => a + c, 0) / (2 * winners[l] * n)));
    }
    return {
      radius,
      changedFraction: changed.reduce((a, c) => a + c, 0) / n,
      swappedByLayer: Object.fromEntries(base.map((p, l) => [p.layer, swapped[l] / o.samples])),
    };
  });
}

/** Theorem 2 in a trained network: winner overlap of pairs of training points, per k-WTA layer. */
export function trainedOverlap(model: Module, images: Tensor, labels: Int32Array): { layer: string; k: number; width: number; sameClass: number; otherClass: number; disjointFraction: number; randomOverlap: number }[] {
  return captureActivationPatterns(model, images).map((p) => {
    const sets = winnerLists(p.mask, p.batch, p.numFeatures);
    const k = sets[0]?.length ?? 0;
    const all = pairwiseOverlap(sets, k);
    return {
      layer: p.layer, k, width: p.numFeatures,
      sameClass: pairwiseOverlap(sets, k, (i, j) => labels[i] === labels[j]).meanOverlap,
      otherClass: pairwiseOverlap(sets, k, (i, j) => labels[i] !== labels[j]).meanOverlap,
      disjointFraction: all.disjointFraction,
      randomOverlap: k / p.numFeatures,
    };
  });
}

/**
 * Per row of `values` ([rows, per] flat), how many entries equal the k-th largest: ties at the
 * threshold, which any perturbation reorders (a blank image region gives many equal values).
 */
export function tiesAtKth(values: ArrayLike<number>, rows: number, k: number): number[] {
  const per = values.length / rows;
  if (!Number.isInteger(per) || k < 1 || k > per) throw new ValueError(`tiesAtKth: ${values.length} values, ${rows} rows, k = ${k}`);
  return Array.from({ length: rows }, (_, i) => {
    const row = Float64Array.from(Array.prototype.slice.call(values, i * per, (i + 1) * per) as number[]).sort().reverse();
    const kth = row[k - 1];
    let ties = 0;
    for (const v of row) if (v === kth) ties++;
    return ties;
  });
}

/**
 * Ties at the threshold of the model's first k-WTA layer on `images`: per image, how many of the
 * layer's inputs equal its k-th largest (read through a forward hook while the model runs).
 */
export function tiesAtFirstKwta(model: Module, images: Tensor): number[] {
  const first = model.modules().find((m): m is KWTA => m instanceof KWTA);
  if (!first) throw new ValueError(`tiesAtFirstKwta: ${model.constructor.name} has no KWTA layer`);
  let ties: number[] | null = null;
  const handle = first.registerForwardHook((_, input) => {
    const per = input.size / input.shape[0];
    ties ??= tiesAtKth(input.dataSync(), input.shape[0], kFromGamma('KWTA', first.gamma, per, 'sample'));
  });
  try {
    noGrad(() => tidy(() => void model.call(images)));
  } finally {
    handle.remove();
  }
  if (!ties) throw new ValueError(`tiesAtFirstKwta: the first KWTA layer of ${model.constructor.name} did not run`);
  return ties;
}

function countWinners(mask: ArrayLike<number>, features: number): number {
  let c = 0;
  for (let j = 0; j < features; j++) if (mask[j]) c++;
  return Math.max(c, 1);
}

function checkPoints(op: string, points: Float32Array, dim: number): number {
  if (!Number.isInteger(dim) || dim < 1 || points.length % dim !== 0 || points.length === 0) {
    throw new ValueError(`${op}: ${points.length} values are not whole rows of dim ${dim}`);
  }
  return points.length / dim;
}

function rowNorms(points: Float32Array, n: number, dim: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let j = i * dim; j < (i + 1) * dim; j++) s += points[j] * points[j];
    return Math.sqrt(s);
  });
}

/** `count` sets of unit vectors, each row perpendicular to its point (Gaussian, Gram-Schmidt). */
function perpendicularDirections(points: Float32Array, n: number, dim: number, count: number, gen: Generator): Float32Array[] {
  const norms = rowNorms(points, n, dim);
  return Array.from({ length: count }, () => {
    const u = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      const v = Float64Array.from({ length: dim }, () => gen.normal());
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += v[j] * points[i * dim + j];
      const nx = norms[i] || 1;
      let len = 0;
      for (let j = 0; j < dim; j++) {
        v[j] -= (dot / (nx * nx)) * points[i * dim + j];
        len += v[j] * v[j];
      }
      len = Math.sqrt(len) || 1;
      for (let j = 0; j < dim; j++) u[i * dim + j] = v[j] / len;
    }
    return u;
  });
}
