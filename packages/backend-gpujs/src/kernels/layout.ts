import type { KernelAttrs } from '@kwta/core';
import type { Device } from '../device.js';
import { dot, f, sizeOf, stridesOf, unravel } from './codegen.js';
import { launch, type DevTensor } from './types.js';

export function transpose(device: Device, [x]: DevTensor[], { perm }: KernelAttrs['transpose']): DevTensor[] {
  const shape = perm.map((p) => x.shape[p]);
  const s = stridesOf(x.shape);
  const body = `${unravel('i', shape, 'o')}\nreturn a0[${dot('o', perm.map((p) => s[p]))}];`;
  return [launch(device, 'transpose', shape, x.dtype, [x], body)];
}

export function slice(device: Device, [x]: DevTensor[], { begin, size }: KernelAttrs['slice']): DevTensor[] {
  const s = stridesOf(x.shape);
  const start = begin.reduce((acc, b, d) => acc + b * s[d], 0);
  const body = `${unravel('i', size, 'o')}\nreturn a0[${dot('o', s, String(start))}];`;
  return [launch(device, 'slice', size, x.dtype, [x], body)];
}

export function pad(device: Device, [x]: DevTensor[], { paddings, value }: KernelAttrs['pad']): DevTensor[] {
  const shape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  const s = stridesOf(x.shape);
  const inside = x.shape.map((d, k) => `o${k} >= ${paddings[k][0]} && o${k} < ${paddings[k][0] + d}`);
  const src = x.shape.map((_, k) => (s[k] === 0 ? '' : `(o${k} - ${paddings[k][0]}) * ${s[k]}`)).filter(Boolean);
  const body = [
    unravel('i', shape, 'o'),
    `if (${inside.length ? inside.join(' && ') : 'true'}) { return a0[${src.length ? src.join(' + ') : '0'}]; }`,
    `return ${f(value)};`,
  ].join('\n');
  return [launch(device, 'pad', shape, x.dtype, [x], body)];
}

/** gpu.js binds each operand to a texture unit; joins of many tensors go in groups of this size. */
const CONCAT_GROUP = 8;

export function concat(device: Device, xs: DevTensor[], { axis }: KernelAttrs['concat']): DevTensor[] {
  if (xs.length > CONCAT_GROUP) {
    const head = concat(device, xs.slice(0, CONCAT_GROUP), { axis })[0];
    const out = concat(device, [head, ...xs.slice(CONCAT_GROUP)], { axis });
    device.release(head.buf);
    return out;
  }
  const shape = [...xs[0].shape];
  shape[axis] = xs.reduce((acc, x) => acc + x.shape[axis], 0);
  const rowOut = sizeOf(shape.slice(axis));
  const lines = [`const o = Math.floor(i / ${rowOut});`, `const col = i - o * ${rowOut};`];
  let start = 0;
  xs.forEach((x, k) => {
    const row = sizeOf(x.shape.slice(axis));
    if (row === 0) return;
    lines.push(`if (col < ${start + row}) { return a${k}[o * ${row} + col - ${start}]; }`);
    start += row;
  });
  lines.push('return 0.0;');
  return [launch(device, 'concat', shape, xs[0].dtype, xs, lines.join('\n'))];
}

export function gather(device: Device, [x, idx]: DevTensor[], { axis }: KernelAttrs['gather']): DevTensor[] {
  const dim = x.shape[axis];
  const m = sizeOf(idx.shape);
  const inner = sizeOf(x.shape.slice(axis + 1));
  const shape = [...x.shape];
  shape[axis] = m;
  const body = [
    unravel('i', [sizeOf(x.shape.slice(0, axis)), m, inner], 'o'),
    `return a0[(o0 * ${dim} + a1[o1]) * ${inner} + o2];`,
  ].join('\n');
  return [launch(device, 'gather', shape, x.dtype, [x, idx], body)];
}

/** Gather form of scatter-add: each output row sums the dy rows whose index points at it. */
export function scatterAdd(device: Device, [dy, idx]: DevTensor[], { axis, size }: KernelAttrs['scatterAdd']): DevTensor[] {
  const m = sizeOf(idx.shape);
  const inner = sizeOf(dy.shape.slice(axis + 1));
  const shape = [...dy.shape];
  shape[axis] = size;
  const body = [
    unravel('i', [sizeOf(dy.shape.slice(0, axis)), size, inner], 'o'),
    'let s = 0.0;',
    `for (let j = 0; j < ${m}; j++) {`,
    `  if (a1[j] == o1) { s += a0[(o0 * ${m} + j) * ${inner} + o2]; }`,
    '}',
    'return s;',
  ].join('\n');
  return [launch(device, 'scatterAdd', shape, dy.dtype, [dy, idx], body)];
}

export function takeAlong(device: Device, [x, idx]: DevTensor[]): DevTensor[] {
  const n = x.shape[x.shape.length - 1];
  const m = idx.shape[idx.shape.length - 1];
  const body = `const r = Math.floor(i / ${m});\nreturn a0[r * ${n} + a1[i]];`;
  return [launch(device, 'takeAlong', idx.shape, x.dtype, [x, idx], body)];
}

export function scatterAlong(device: Device, [dy, idx]: DevTensor[], { size }: KernelAttrs['scatterAlong']): DevTensor[] {
  const m = idx.shape[idx.shape.length - 1];
  const shape = [...idx.shape.slice(0, -1), size];
  const body = [
    `const r = Math.floor(i / ${size});`,
    `const k = i - r * ${size};`,
    'let s = 0.0;',
    `for (let j = 0; j < ${m}; j++) {`,
    `  if (a1[r * ${m} + j] == k) { s += a0[r * ${m} + j]; }`,
    '}',
    'return s;',
  ].join('\n');
  return [launch(device, 'scatterAlong', shape, dy.dtype, [dy, idx], body)];
}
