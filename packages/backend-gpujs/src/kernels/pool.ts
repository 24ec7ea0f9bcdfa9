import { convOutSize, type KernelAttrs, type Pool2dAttrs } from '@kwta/core';
import type { Device } from '../device.js';
import { coveringWindows, unravel, windowTaps, type Window } from './codegen.js';
import { launch, type DevTensor } from './types.js';

function geom(shape: readonly number[], a: Pool2dAttrs): Window & { N: number; C: number } {
  const [N, C, H, W] = shape;
  return {
    N, C, H, W, OH: convOutSize(H, a.kernel[0], a.stride[0], a.pad[0]), OW: convOutSize(W, a.kernel[1], a.stride[1], a.pad[1]),
    KH: a.kernel[0], KW: a.kernel[1], sh: a.stride[0], sw: a.stride[1], ph: a.pad[0], pw: a.pad[1], dh: 1, dw: 1,
  };
}

/** Window scan shared by the max-pool value and argmax kernels (first maximum wins, padding skipped). */
function maxWindow(g: ReturnType<typeof geom>, ret: string): string {
  return [
    unravel('i', [g.N * g.C, g.OH, g.OW], 'o'),
    `const base = o0 * ${g.H * g.W};`,
    'let best = 0.0;',
    'let bi = -1.0;',
    ...windowTaps(g, 'o1', 'o2', [
      `const v = a0[base + ih * ${g.W} + iw];`,
      // A NaN wins and keeps its place, as on the CPU backend.
      `if (bi < 0 || v > best || (v != v && best == best)) { best = v; bi = ih * ${g.W} + iw; }`,
    ]),
    `return ${ret};`,
  ].join('\n');
}

export function maxPool2d(device: Device, [x]: DevTensor[], attrs: KernelAttrs['maxPool2d']): DevTensor[] {
  const g = geom(x.shape, attrs);
  const shape = [g.N, g.C, g.OH, g.OW];
  return [
    launch(device, 'maxPool2d', shape, x.dtype, [x], maxWindow(g, 'best')),
    launch(device, 'maxPool2d argmax', shape, 'int32', [x], maxWindow(g, 'bi')),
  ];
}

/**
 * Gather form of the max-pool adjoint: pixel (h, w) collects dy from every window that covers it
 * and whose recorded argmax is this pixel.
 */
export function maxPool2dBackward(device: Device, [dy, arg]: DevTensor[], attrs: KernelAttrs['maxPool2dBackward']): DevTensor[] {
  const g = geom(attrs.inputShape, attrs);
  const body = [
    unravel('i', [g.N * g.C, g.H, g.W], 'o'),
    `const me = o1 * ${g.W} + o2;`,
    'let s = 0.0;',
    ...coveringWindows(g, 'o1', 'o2', [
      `const o = (o0 * ${g.OH} + oh) * ${g.OW} + ow;`,
      'if (a1[o] == me) { s += a0[o]; }',
    ]),
    'return s;',
  ].join('\n');
  return [launch(device, 'maxPool2dBackward', attrs.inputShape, dy.dtype, [dy, arg], body)];
}

export function avgPool2d(device: Device, [x]: DevTensor[], attrs: KernelAttrs['avgPool2d']): DevTensor[] {
  const g = geom(x.shape, attrs);
  const body = [
    unravel('i', [g.N * g.C, g.OH, g.OW], 'o'),
    `const base = o0 * ${g.H * g.W};`,
    'let s = 0.0;',
    ...windowTaps(g, 'o1', 'o2', [`s += a0[base + ih * ${g.W} + iw];`]),
    `return s * ${1 / (g.KH * g.KW)};`,
  ].join('\n');
  return [launch(device, 'avgPool2d', [g.N, g.C, g.OH, g.OW], x.dtype, [x], body)];
}

export function avgPool2dBackward(device: Device, [dy]: DevTensor[], attrs: KernelAttrs['avgPool2dBackward']): DevTensor[] {
  const g = geom(attrs.inputShape, attrs);
  const body = [
    unravel('i', [g.N * g.C, g.H, g.W], 'o'),
    'let s = 0.0;',
    ...coveringWindows(g, 'o1', 'o2', [`s += a0[(o0 * ${g.OH} + oh) * ${g.OW} + ow];`]),
    `return s * ${1 / (g.KH * g.KW)};`,
  ].join('\n');
  return [launch(device, 'avgPool2dBackward', attrs.inputShape, dy.dtype, [dy], body)];
}
