import { DTypeError, ShapeError, ValueError, tensor, type Generator, type Tensor } from '@kwta/core';
import { checkNorm, checkThreat, type Norm, type ThreatModel } from '../threat.js';
import { ascentDirection, checkSparsity, L1_SPARSITY } from './direction.js';
import { projectRow } from './project.js';
import { randomStartRow, type StartKind } from './start.js';

/**
 * The attack building blocks on whole tensors [N, ...features], for code that keeps its iterate
 * in a tensor (adversarial training's inner maximisation, the experiments). Each reads the rows
 * to the host, applies the same row function the attacks use, and returns a new tensor of x's
 * shape and dtype: one definition of each block.
 */

type Rows = Float32Array | Float64Array;

function rowsOf(op: string, t: Tensor, what: string): { values: Rows; n: number; len: number } {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new DTypeError(`${op}: ${what} must be float32 or float64, got ${t.describe()}`);
  if (t.rank < 2 || t.shape[0] === 0) throw new ShapeError(`${op}: ${what} must be a non-empty batch [N, ...features], got ${t.describe()}`);
  return { values: (t.dtype === 'float32' ? Float32Array.from(t.dataSync()) : Float64Array.from(t.dataSync())) as Rows, n: t.shape[0], len: t.size / t.shape[0] };
}

function sameShape(op: string, a: Tensor, b: Tensor, what: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(`${op}: ${what} ${a.describe()} must have the shape of x ${b.describe()}`);
  }
}

/** Project every row of xAdv onto the threat set around the same row of x (ball ∩ bounds). */
export function projectToThreat(xAdv: Tensor, x: Tensor, threat: ThreatModel): Tensor {
  checkThreat('projectToThreat', threat);
  sameShape('projectToThreat', xAdv, x, 'xAdv');
  const adv = rowsOf('projectToThreat', xAdv, 'xAdv');
  const clean = rowsOf('projectToThreat', x, 'x');
  for (let r = 0; r < adv.n; r++) projectRow(adv.values, clean.values, r, adv.len, threat);
  return tensor(adv.values, [...x.shape], x.dtype);
}

/** A start point per row inside the threat set (see StartKind), drawn from gen. */
export function randomStart(x: Tensor, threat: ThreatModel, gen: Generator, kind: StartKind = 'uniform'): Tensor {
  checkThreat('randomStart', threat);
  const clean = rowsOf('randomStart', x, 'x');
  const out = clean.values.slice();
  for (let r = 0; r < clean.n; r++) randomStartRow(out, clean.values, r, clean.len, threat, gen, kind);
  return tensor(out, [...x.shape], x.dtype);
}

/**
 * xAdv + stepSize * d per row, d the unit steepest-ascent direction of grad for the norm (signed
 * for L-inf, normalised for L2, sparse for L1). Not projected: follow with projectToThreat.
 */
export function steepestStep(xAdv: Tensor, grad: Tensor, norm: Norm, stepSize: number, l1Sparsity = L1_SPARSITY): Tensor {
  checkNorm('steepestStep', norm);
  if (!(stepSize >= 0) || !Number.isFinite(stepSize)) throw new ValueError(`steepestStep: stepSize must be a finite number >= 0, got ${stepSize}`);
  checkSparsity('steepestStep', l1Sparsity);
  sameShape('steepestStep', grad, xAdv, 'grad');
  const adv = rowsOf('steepestStep', xAdv, 'xAdv');
  const g = rowsOf('steepestStep', grad, 'grad');
  const dir = new Float64Array(adv.len);
  for (let r = 0; r < adv.n; r++) {
    ascentDirection(g.values, r * adv.len, adv.len, norm, dir, l1Sparsity);
    for (let j = 0; j < adv.len; j++) adv.values[r * adv.len + j] += stepSize * dir[j];
  }
  return tensor(adv.values, [...xAdv.shape], xAdv.dtype);
}
