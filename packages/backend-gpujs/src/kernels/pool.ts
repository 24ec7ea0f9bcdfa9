import type { KernelAttrs, Pool2dAttrs } from '@kwta/core';
import type { Device } from '../device.js';
import { unravel } from './codegen.js';
import { convOut } from './linalg.js';
import { launch, type DevTensor } from './types.js';

function geom(shape: readonly number[], a: Pool2dAttrs) {
  const [N, C, H, W] = shape;
  return {
    N, C, H, W, OH: convOut(H, a.kernel[0], a.stride[0], a.pad[0], 1), OW: convOut(W, a.kernel[1], a.stride[1], a.pad[1], 1),
    kh: a.kernel[0], kw: a.kernel[1], sh: a.stride[0], sw: a.stride[1], ph: a.pad[0], pw: a.pad[1],
  };
}

/** Window scan shared by the max-pool value and argmax kernels (first maximum wins, padding skipped). */
function maxWindow(g: ReturnType<typeof geom>, ret: string): string {
  return [
    unravel('i', [g.N * g.C, g.OH, g.OW], 'o'),
    `const base = o0 * ${g.H * g.W};`,
    'let best = 0.0;',
    'let bi = -1.0;',
    `for (let ki = 0; ki < ${g.kh}; ki++) {`,
    `  const ih = o1 * ${g.sh} - ${g.ph} + ki;`,
    `  if (ih >= 0 && ih < ${g.H}) {`,
    `    for (let kj = 0; kj < ${g.kw}; kj++) {`,
    `      const iw = o2 * ${g.sw} - ${g.pw} + kj;`,
    `      if (iw >= 0 && iw < ${g.W}) {`,
    `        const v = a0[base + ih * ${g.W} + iw];`,
    `        if (v > best || bi < 0) { best = v; bi = ih * ${g.W} + iw; }`,
    '      }',
    '    }',
    '  }',
    '}',
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
    `for (let ki = 0; ki < ${g.kh}; ki++) {`,
    `  const th = o1 + ${g.ph} - ki;`,
    `  const oh = Math.floor(th / ${g.sh});`,
    `  if (th >= 0 && oh * ${g.sh} == th && oh < ${g.OH}) {`,
    `    for (let kj = 0; kj < ${g.kw}; kj++) {`,
    `      const tw = o2 + ${g.pw} - kj;`,
    `      const ow = Math.floor(tw / ${g.sw});`,
    `      if (tw >= 0 && ow * ${g.sw} == tw && ow < ${g.OW}) {`,
    `        const o = (o0 * ${g.OH} + oh) * ${g.OW} + ow;`,
    '        if (a1[o] == me) { s += a0[o]; }',
    '      }',
    '    }',
    '  }',
    '}',
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
    `for (let ki = 0; ki < ${g.kh}; ki++) {`,
    `  const ih = o1 * ${g.sh} - ${g.ph} + ki;`,
    `  if (ih >= 0 && ih < ${g.H}) {`,
    `    for (let kj = 0; kj < ${g.kw}; kj++) {`,
    `      const iw = o2 * ${g.sw} - ${g.pw} + kj;`,
    `      if (iw >= 0 && iw < ${g.W}) { s += a0[base + ih * ${g.W} + iw]; }`,
    '    }',
    '  }',
    '}',
    `return s * ${1 / (g.kh * g.kw)};`,
  ].join('\n');
  return [launch(device, 'avgPool2d', [g.N, g.C, g.OH, g.OW], x.dtype, [x], body)];
}

export function avgPool2dBackward(device: Device, [dy]: DevTensor[], attrs: KernelAttrs['avgPool2dBackward']): DevTensor[] {
  const g = geom(attrs.inputShape, attrs);
  const body = [
    unravel('i', [g.N * g.C, g.H, g.W], 'o'),
    'let s = 0.0;',
    `for (let ki = 0; ki < ${g.kh}; ki++) {`,
    `  const th = o1 + ${g.ph} - ki;`,
    `  const oh = Math.floor(th / ${g.sh});`,
    `  if (th >= 0 && oh * ${g.sh} == th && oh < ${g.OH}) {`,
    `    for (let kj = 0; kj < ${g.kw}; kj++) {`,
    `      const tw = o2 + ${g.pw} - kj;`,
    `      const ow = Math.floor(tw / ${g.sw});`,
    `      if (tw >= 0 && ow * ${g.sw} == tw && ow < ${g.OW}) { s += a0[(o0 * ${g.OH} + oh) * ${g.OW} + ow]; }`,
    '    }',
    '  }',
    '}',
    `return s * ${1 / (g.kh * g.kw)};`,
  ].join('\n');
  return [launch(device, 'avgPool2dBackward', attrs.inputShape, dy.dtype, [dy], body)];
}
