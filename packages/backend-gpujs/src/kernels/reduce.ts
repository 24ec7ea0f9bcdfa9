import type { KernelAttrs } from '@kwta/core';
import type { Device } from '../device.js';
import { dot, sizeOf, stridesOf, unravel } from './codegen.js';
import { launch, type DevTensor } from './types.js';

/**
 * One thread per output element walks its reduced block. The block's offsets come from the
 * reduced axes' strides, so no transpose is needed first. Sums accumulate in float32 (GL has no
 * doubles); the tolerances in the README account for it.
 */
function blockLoop(x: DevTensor, axes: readonly number[], step: string): { outShape: number[]; body: string } {
  const rank = x.shape.length;
  const strides = stridesOf(x.shape);
  const kept = [...Array(rank).keys()].filter((d) => !axes.includes(d));
  const outShape = kept.map((d) => x.shape[d]);
  const redShape = axes.map((d) => x.shape[d]);
  const inner = sizeOf(redShape);
  const redStrides = axes.map((d) => strides[d]);
  // Reduced axes that are the trailing axes in order form one contiguous run: offset = base + j.
  const trailing = axes.every((d, k) => d === rank - axes.length + k);
  const body = [
    unravel('i', outShape, 'o'),
    `const base = ${dot('o', kept.map((d) => strides[d]))};`,
    `const first = a0[base];`,
    `let acc = INIT;`,
    `let best = 0.0;`,
    `for (let j = 0; j < ${inner}; j++) {`,
    trailing ? 'const off = base + j;' : `${unravel('j', redShape, 'q')}\nconst off = ${dot('q', redStrides, 'base')};`,
    'const v = a0[off];',
    step,
    '}',
  ].join('\n');
  return { outShape, body };
}

export function reduce(device: Device, [x]: DevTensor[], { op, axes }: KernelAttrs['reduce']): DevTensor[] {
  const step = op === 'sum' ? 'acc += v;' : op === 'max' ? 'if (v > acc || v != v) { acc = v; }' : 'if (v < acc || v != v) { acc = v; }';
  const { outShape, body } = blockLoop(x, axes, step);
  // max/min start from the block's first element (no infinities needed); sum from zero.
  const init = op === 'sum' ? '0.0' : 'first';
  const src = body.replace('INIT', init) + '\nreturn acc;';
  return [launch(device, `reduce ${op}`, outShape, x.dtype, [x], src)];
}

export function argReduce(device: Device, [x]: DevTensor[], { op, axis }: KernelAttrs['argReduce']): DevTensor[] {
  const cmp = op === 'argmax' ? '>' : '<';
  const step = `if (j == 0) { acc = v; best = 0.0; } else if (v ${cmp} acc) { acc = v; best = j * 1.0; }`;
  const { outShape, body } = blockLoop(x, [axis], step);
  return [launch(device, op, outShape, 'int32', [x], body.replace('INIT', 'first') + '\nreturn best;')];
}
