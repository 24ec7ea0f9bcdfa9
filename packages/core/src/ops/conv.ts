import type { Conv2dAttrs, Pool2dAttrs } from '../backend.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { convOutSize } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { runOp } from '../autodiff/op.js';
import { add } from './elementwise.js';
import { reshape } from './layout.js';
import { convForward } from './sparse/conv.js';
import { checkAlive, checkFloat, checkSameDType } from './util.js';

/** A spatial size: one number for both axes, or [height, width]. */
export type Pair = number | readonly [number, number];

function pair(op: string, name: string, v: Pair, min: number): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  for (const x of p) {
    if (!Number.isInteger(x) || x < min) throw new ValueError(`${op}: ${name} must be integer(s) >= ${min}, got ${String(v)}`);
  }
  return p;
}

/** Options are an object; a bare number (PyTorch's positional kernel size) gets a typed error saying how to write it. */
function checkOptions(op: string, opts: unknown, example: string): void {
  if (opts === null || typeof opts !== 'object') throw new ValueError(`${op}: options must be an object, e.g. ${example}; got ${String(opts)}`);
}

/** Options of {@link conv2d}: stride, padding, dilation, bias. */
export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  bias?: Tensor | null;
}

/** 2-D convolution (cross-correlation, as in PyTorch): x [N, C, H, W], w [F, C, KH, KW]. */
export function conv2d(x: Tensor, w: Tensor, opts: Conv2dOptions = {}): Tensor {
  checkOptions('conv2d', opts, 'conv2d(x, w, { stride: 1, padding: 1 })');
  checkAlive('conv2d', x, w);
  checkFloat('conv2d', x, 'x');
  checkSameDType('conv2d', x, w);
  if (x.rank !== 4) throw new ShapeError(`conv2d: input must be [N, C, H, W], got ${x.describe()}`);
  if (w.rank !== 4) throw new ShapeError(`conv2d: weight must be [F, C, KH, KW], got ${w.describe()}`);
  if (x.shape[1] !== w.shape[1]) {
    throw new ShapeError(`conv2d: input has ${x.shape[1]} channels (${fmtShape(x.shape)}) but weight expects ${w.shape[1]} (${fmtShape(w.shape)})`);
  }
  const attrs: Conv2dAttrs = {
    stride: pair('conv2d', 'stride', opts.stride ?? 1, 1),
    pad: pair('conv2d', 'padding', opts.padding ?? 0, 0),
    dilation: pair('conv2d', 'dilation', opts.dilation ?? 1, 1),
  };
  const oh = convOutSize(x.shape[2], w.shape[2], attrs.stride[0], attrs.pad[0], attrs.dilation[0]);
  const ow = convOutSize(x.shape[3], w.shape[3], attrs.stride[1], attrs.pad[1], attrs.dilation[1]);
  if (oh <= 0 || ow <= 0) throw new ShapeError(`conv2d: kernel ${fmtShape(w.shape)} does not fit input ${fmtShape(x.shape)} with padding ${attrs.pad}`);
  // A convolution after a k-WTA reads only its winners when that pays (ops/sparse).
  const y = convForward(x, w, attrs) ?? runOp('conv2d', [x, w], attrs)[0];
  const bias = opts.bias;
  if (!bias) return y;
  if (bias.rank !== 1 || bias.shape[0] !== w.shape[0]) throw new ShapeError(`conv2d: bias must be [${w.shape[0]}], got ${bias.describe()}`);
  return add(y, reshape(bias, [1, w.shape[0], 1, 1]));
}

/** Options of max and average pooling: window, stride (default the window) and padding. */
export interface Pool2dOptions {
  kernelSize: Pair;
  stride?: Pair;
  padding?: Pair;
}

function poolAttrs(op: string, x: Tensor, o: Pool2dOptions): Pool2dAttrs {
  checkOptions(op, o, `${op}(x, { kernelSize: 2 })`);
  checkAlive(op, x);
  checkFloat(op, x);
  if (x.rank !== 4) throw new ShapeError(`${op}: input must be [N, C, H, W], got ${x.describe()}`);
  const kernel = pair(op, 'kernelSize', o.kernelSize, 1);
  const attrs: Pool2dAttrs = {
    kernel,
    stride: pair(op, 'stride', o.stride ?? kernel, 1),
    pad: pair(op, 'padding', o.padding ?? 0, 0),
  };
  if (attrs.pad[0] * 2 > kernel[0] || attrs.pad[1] * 2 > kernel[1]) {
    throw new ValueError(`${op}: padding ${attrs.pad} must be at most half the kernel ${kernel}`);
  }
  const oh = convOutSize(x.shape[2], kernel[0], attrs.stride[0], attrs.pad[0]);
  const ow = convOutSize(x.shape[3], kernel[1], attrs.stride[1], attrs.pad[1]);
  if (oh <= 0 || ow <= 0) throw new ShapeError(`${op}: window ${kernel} does not fit input ${x.describe()}`);
  return attrs;
}

/** Max pooling; the gradient goes to the (first) maximum of each window. */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const attrs = poolAttrs('maxPool2d', x, opts);
  return runOp('maxPool2d', [x], attrs)[0];
}

/** Average pooling; padded zeros count in the divisor (PyTorch's count_include_pad=True). */
export function avgPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const attrs = poolAttrs('avgPool2d', x, opts);
  return runOp('avgPool2d', [x], attrs)[0];
}
