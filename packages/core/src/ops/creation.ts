import { DTYPES, INT32_MAX, INT32_MIN, checkFitsInt32, makeArray, type DType, type TypedArray, dtypeOfArray } from '../dtype.js';
import { engine } from '../engine.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import type { AllocationSite } from '../memory-limit.js';
import { Generator } from '../random.js';
import { checkShape, sizeOf, type Shape } from '../shape.js';
import type { NestedArray, Tensor } from '../tensor.js';

/** Host arrays of creation ops count against the active backend's memory limit, under the op's name. */
const at = (op: string, shape: Shape): AllocationSite => ({ op, shape, backend: engine.backend });

function checkDTypeName(op: string, dtype: DType): void {
  if (!DTYPES.includes(dtype)) throw new DTypeError(`${op}: unknown dtype '${dtype}'`);
}

function inferShape(values: NestedArray): number[] {
  const shape: number[] = [];
  let v: NestedArray = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0] as NestedArray;
  }
  return shape;
}

function flattenChecked(values: NestedArray, shape: readonly number[], out: number[], dim = 0): void {
  if (dim === shape.length) {
    if (Array.isArray(values)) throw new ShapeError(`tensor: ragged nested array (expected shape ${fmtShape(shape)})`);
    out.push(typeof values === 'boolean' ? (values ? 1 : 0) : values);
    return;
  }
  if (!Array.isArray(values) || values.length !== shape[dim]) {
    throw new ShapeError(`tensor: ragged nested array at depth ${dim} (expected length ${shape[dim]})`);
  }
  for (const v of values) flattenChecked(v, shape, out, dim + 1);
}

/**
 * Make a tensor from a number, nested arrays or a typed array (copied). The shape is inferred
 * from nested arrays, or given; dtype defaults to the typed array's kind, else float32.
 */
export function tensor(values: NestedArray | TypedArray, shape?: Shape, dtype?: DType): Tensor {
  let flat: TypedArray;
  let inferred: number[];
  if (ArrayBuffer.isView(values)) {
    const dt = dtype ?? dtypeOfArray(values);
    checkDTypeName('tensor', dt);
    if (dt === 'int32' && !(values instanceof Int32Array)) checkFitsInt32('tensor', values as ArrayLike<number>);
    flat = makeArray(dt, values.length, at('tensor', shape ?? [values.length]));
    flat.set(values as ArrayLike<number>);
    inferred = [values.length];
    dtype = dt;
  } else {
    let leaf: NestedArray = values;
    while (Array.isArray(leaf) && leaf.length > 0) leaf = leaf[0];
    dtype = dtype ?? (typeof leaf === 'boolean' ? 'bool' : 'float32');
    checkDTypeName('tensor', dtype);
    inferred = inferShape(values);
    const list: number[] = [];
    flattenChecked(values, inferred, list);
    flat = makeArray(dtype, list.length, at('tensor', shape ?? inferred));
    for (let i = 0; i < list.length; i++) {
      if (typeof list[i] !== 'number') throw new ValueError(`tensor: element ${i} is not a number (${String(list[i])})`);
      flat[i] = list[i];
    }
    if (dtype === 'int32') checkFitsInt32('tensor', list);
  }
  const finalShape = shape ? [...shape] : inferred;
  checkShape('tensor', finalShape);
  if (sizeOf(finalShape) !== flat.length) {
    throw new ShapeError(`tensor: ${flat.length} values do not fill shape ${fmtShape(finalShape)} (size ${sizeOf(finalShape)})`);
  }
  return engine.fromValues(flat, finalShape, dtype, 'tensor');
}

/** A rank-0 tensor holding `value`. */
export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  return tensor(value, [], dtype);
}

/** `shape` filled with `value`; `op` is the public op's name, for its errors. */
function filled(op: string, shape: Shape, value: number, dtype: DType): Tensor {
  checkShape(op, shape);
  checkDTypeName(op, dtype);
  if (dtype === 'int32') checkFitsInt32(op, [value], false);
  const values = makeArray(dtype, sizeOf(shape), at(op, shape));
  if (value !== 0) values.fill(value);
  return engine.fromValues(values, shape, dtype, op);
}

/** A tensor of `shape` with every element `value`. */
export function full(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
  return filled('full', shape, value, dtype);
}

/** A tensor of `shape` filled with zeros. */
export function zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
  return filled('zeros', shape, 0, dtype);
}

/** A tensor of `shape` filled with ones. */
export function ones(shape: Shape, dtype: DType = 'float32'): Tensor {
  return filled('ones', shape, 1, dtype);
}

/** A tensor of zeros shaped like `t`, of its dtype. */
export function zerosLike(t: Tensor): Tensor {
  return filled('zerosLike', t.shape, 0, t.dtype);
}

/** A tensor of ones shaped like `t`, of its dtype. */
export function onesLike(t: Tensor): Tensor {
  return filled('onesLike', t.shape, 1, t.dtype);
}

/** A tensor shaped like `t`, of its dtype, with every element `value`. */
export function fullLike(t: Tensor, value: number): Tensor {
  return filled('fullLike', t.shape, value, t.dtype);
}

/** [start, stop) in steps (NumPy's arange); one argument means [0, n). */
export function arange(start: number, stop?: number, step = 1, dtype: DType = 'float32'): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0 || !Number.isFinite(step)) throw new ValueError(`arange: step must be finite and non-zero, got ${step}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  if (dtype === 'int32' && n > 0) checkFitsInt32('arange', [start, start + (n - 1) * step], false);
  const values = makeArray(dtype, n, at('arange', [n]));
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return engine.fromValues(values, [n], dtype, 'arange');
}

/** `n` evenly spaced values from `start` to `stop` inclusive. */
export function linspace(start: number, stop: number, n: number, dtype: DType = 'float32'): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`linspace: n must be a non-negative integer, got ${n}`);
  if (dtype === 'int32' && n > 0) checkFitsInt32('linspace', [start, stop], false);
  const values = makeArray(dtype, n, at('linspace', [n]));
  for (let i = 0; i < n; i++) values[i] = n === 1 ? start : start + ((stop - start) * i) / (n - 1);
  return engine.fromValues(values, [n], dtype, 'linspace');
}

/** The n x n identity matrix. */
export function eye(n: number, dtype: DType = 'float32'): Tensor {
  const values = makeArray(dtype, n * n, at('eye', [n, n]));
  for (let i = 0; i < n; i++) values[i * n + i] = 1;
  return engine.fromValues(values, [n, n], dtype, 'eye');
}

function checkGenerator(op: string, gen: Generator): void {
  if (!(gen instanceof Generator)) throw new ValueError(`${op}: pass a seeded Generator (new Generator(seed)) as the random source`);
}

/** Uniform values in [low, high). */
export function rand(shape: Shape, gen: Generator, opts: { low?: number; high?: number; dtype?: DType } = {}): Tensor {
  checkGenerator('rand', gen);
  checkShape('rand', shape);
  const { low = 0, high = 1, dtype = 'float32' } = opts;
  if (!(high >= low)) throw new ValueError(`rand: high (${high}) must be >= low (${low})`);
  if (dtype === 'int32') checkFitsInt32('rand', [low, high], false);
  const values = makeArray(dtype, sizeOf(shape), at('rand', shape));
  for (let i = 0; i < values.length; i++) values[i] = low + (high - low) * gen.uniform();
  return engine.fromValues(values, shape, dtype, 'rand');
}

/** Normal values with the given mean and standard deviation. */
export function randn(shape: Shape, gen: Generator, opts: { mean?: number; std?: number; dtype?: DType } = {}): Tensor {
  checkGenerator('randn', gen);
  checkShape('randn', shape);
  const { mean = 0, std = 1, dtype = 'float32' } = opts;
  if (!(std >= 0)) throw new ValueError(`randn: std must be >= 0, got ${std}`);
  const values = makeArray(dtype, sizeOf(shape), at('randn', shape));
  for (let i = 0; i < values.length; i++) values[i] = mean + std * gen.normal();
  return engine.fromValues(values, shape, dtype, 'randn');
}

/** Uniform integers in [low, high), int32. */
export function randint(shape: Shape, low: number, high: number, gen: Generator): Tensor {
  checkGenerator('randint', gen);
  checkShape('randint', shape);
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ValueError(`randint: need integers low < high, got [${low}, ${high})`);
  }
  if (low < INT32_MIN || high > INT32_MAX + 1) {
    throw new ValueError(`randint: [${low}, ${high}) must lie within int32 [${INT32_MIN}, ${INT32_MAX + 1}): the values are int32`);
  }
  const values = makeArray('int32', sizeOf(shape), at('randint', shape));
  for (let i = 0; i < values.length; i++) values[i] = low + gen.int(high - low);
  return engine.fromValues(values, shape, 'int32', 'randint');
}
