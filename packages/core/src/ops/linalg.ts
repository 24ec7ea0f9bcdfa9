import { ShapeError, fmtShape } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { runOp } from '../autodiff/op.js';
import { checkAlive, checkFloat, checkSameDType } from './util.js';
import { reshape } from './layout.js';
import { linearForward } from './sparse/linear.js';

/** Options of {@link matmul}: whether to transpose either operand's last two axes. */
export interface MatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
}

/**
 * Matrix product of the last two axes; leading (batch) axes broadcast. 1-D operands are treated
 * as a row (a) or a column (b) vector and that axis is dropped from the result, as in NumPy.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  checkAlive('matmul', a, b);
  checkFloat('matmul', a, 'a');
  checkFloat('matmul', b, 'b');
  checkSameDType('matmul', a, b);
  if (a.rank === 0 || b.rank === 0) throw new ShapeError(`matmul: operands must have rank >= 1, got ${a.describe()} and ${b.describe()}`);
  const vecA = a.rank === 1, vecB = b.rank === 1;
  const A = vecA ? reshape(a, [1, a.shape[0]]) : a;
  const B = vecB ? reshape(b, [b.shape[0], 1]) : b;
  const transposeA = !!opts.transposeA && !vecA, transposeB = !!opts.transposeB && !vecB;
  const K1 = transposeA ? A.shape[A.rank - 2] : A.shape[A.rank - 1];
  const K2 = transposeB ? B.shape[B.rank - 1] : B.shape[B.rank - 2];
  if (K1 !== K2) {
    throw new ShapeError(`matmul: inner dimensions differ: a ${fmtShape(a.shape)}${transposeA ? 'ᵀ' : ''} has ${K1}, b ${fmtShape(b.shape)}${transposeB ? 'ᵀ' : ''} has ${K2}`);
  }
  broadcastShapes('matmul (batch axes)', A.shape.slice(0, -2), B.shape.slice(0, -2));
  // A linear layer after a k-WTA reads only its winners when that pays (ops/sparse).
  const y = linearForward(A, B, transposeA, transposeB) ?? runOp('matmul', [A, B], { transposeA, transposeB })[0];
  if (!vecA && !vecB) return y;
  const s = [...y.shape];
  if (vecB) s.splice(s.length - 1, 1);
  if (vecA) s.splice(s.length - (vecB ? 1 : 2), 1);
  return reshape(y, s);
}
