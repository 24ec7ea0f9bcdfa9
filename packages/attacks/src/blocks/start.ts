import { ValueError, type Generator } from '@kwta/core';
import type { ThreatModel } from '../threat.js';
import { projectRow } from './project.js';

/**
 * Where an iterative attack starts inside the threat set:
 * - 'uniform': uniformly in the ball (Madry et al.; for L2 and L1 a random direction and a
 *   radius eps * u^(1/d));
 * - 'apgd': AutoAttack's start: on the sphere for L-inf (one coordinate at +-eps) and L2, and
 *   x + N(0, I) projected onto the L1 ball for L1;
 * - 'none': x itself.
 * The point is then projected onto the threat set (clipped into the bounds).
 */
export type StartKind = 'uniform' | 'apgd' | 'none';

/** Write a start point for row r (rows of `len` values) into cur, drawing from gen (unused for 'none'). */
export function randomStartRow(cur: Float32Array | Float64Array, x: ArrayLike<number>, r: number, len: number, t: ThreatModel, gen: Generator | null, kind: StartKind): void {
  const off = r * len;
  const { eps, norm } = t;
  if (kind === 'none' || eps === 0) {
    for (let j = 0; j < len; j++) cur[off + j] = x[off + j];
    return;
  }
  if (!gen) throw new ValueError(`randomStartRow: a '${kind}' start needs a Generator`);
  const dir = new Float64Array(len);
  if (norm === 'linf') for (let j = 0; j < len; j++) dir[j] = 2 * gen.uniform() - 1;
  else if (norm === 'l2' || kind === 'apgd') for (let j = 0; j < len; j++) dir[j] = gen.normal();
  else for (let j = 0; j < len; j++) dir[j] = laplace(gen);
  let scale: number;
  if (kind === 'apgd') {
    // L1: the Gaussian point itself is projected; L-inf / L2: scaled onto the sphere.
    let n = 0;
    for (const v of dir) n = norm === 'linf' ? Math.max(n, Math.abs(v)) : n + v * v;
    scale = norm === 'l1' ? 1 : eps / ((norm === 'linf' ? n : Math.sqrt(n)) || 1);
  } else if (norm === 'linf') {
    scale = eps;
  } else {
    let n = 0;
    for (const v of dir) n += norm === 'l2' ? v * v : Math.abs(v);
    scale = (eps * gen.uniform() ** (1 / len)) / ((norm === 'l2' ? Math.sqrt(n) : n) || 1);
  }
  for (let j = 0; j < len; j++) cur[off + j] = x[off + j] + scale * dir[j];
  projectRow(cur, x, r, len, t);
}

/** A standard Laplace variate: x / ||x||_1 of iid Laplace coordinates is uniform on the L1 sphere. */
function laplace(gen: Generator): number {
  let u = 0;
  while (u === 0) u = gen.uniform();
  return gen.uniform() < 0.5 ? Math.log(u) : -Math.log(u);
}
