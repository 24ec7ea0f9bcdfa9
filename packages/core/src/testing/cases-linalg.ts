// Conformance cases for matmul, convolutions (forward and both backward kernels) and pooling.
import * as ops from '../ops/index.js';
import * as bp from '../ops/adjoints.js';
import { engine } from '../engine.js';
import { type ConvParams, naiveConv2d, naiveConv2dBackwardFilter, naiveConv2dBackwardInput, naiveMatmul, naivePool, naivePoolBackward, size } from './naive.js';
import { randomInput, type ConformanceCase } from './case.js';

function conv(stride: number, pad: number, dilation: number): ConvParams {
  return { stride: [stride, stride], pad: [pad, pad], dilation: [dilation, dilation] };
}

const CONV_SETUPS: { x: number[]; w: number[]; p: ConvParams }[] = [
  { x: [2, 3, 7, 7], w: [4, 3, 3, 3], p: conv(1, 1, 1) },
  { x: [2, 2, 8, 8], w: [3, 2, 3, 3], p: conv(2, 1, 1) },
  { x: [1, 3, 9, 7], w: [2, 3, 3, 2], p: conv(1, 0, 2) },
  { x: [3, 1, 6, 6], w: [5, 1, 1, 1], p: conv(1, 0, 1) },
  { x: [1, 4, 10, 10], w: [6, 4, 5, 5], p: conv(3, 2, 1) },
];

export function convCases(): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  for (const { x, w, p } of CONV_SETUPS) {
    const tag = `x${JSON.stringify(x)} w${JSON.stringify(w)} s${p.stride[0]} p${p.pad[0]} d${p.dilation[0]}`;
    out.push({
      name: `conv2d ${tag}`,
      inputs: (g) => [randomInput(g, x), randomInput(g, w)],
      run: ([a, b]) => [ops.conv2d(a, b, { stride: p.stride, padding: p.pad, dilation: p.dilation })],
      expected: ([a, b]) => [naiveConv2d(a, b, p)],
    });
    const yShape = naiveConv2d({ values: new Array(size(x)).fill(0), shape: x }, { values: new Array(size(w)).fill(0), shape: w }, p).shape;
    out.push({
      name: `conv2dBackwardInput ${tag}`,
      inputs: (g) => [randomInput(g, yShape), randomInput(g, w)],
      run: ([dy, b]) => [bp.conv2dBackwardInput(dy, b, x, p)],
      expected: ([dy, b]) => [naiveConv2dBackwardInput(dy, b, x, p)],
    });
    out.push({
      name: `conv2dBackwardFilter ${tag}`,
      inputs: (g) => [randomInput(g, x), randomInput(g, yShape)],
      run: ([a, dy]) => [bp.conv2dBackwardFilter(a, dy, w, p)],
      expected: ([a, dy]) => [naiveConv2dBackwardFilter(a, dy, w, p)],
    });
  }
  return out;
}

export function poolCases(): ConformanceCase[] {
  const setups: { x: number[]; k: [number, number]; s: [number, number]; p: [number, number] }[] = [
    { x: [2, 3, 6, 6], k: [2, 2], s: [2, 2], p: [0, 0] },
    { x: [1, 2, 7, 5], k: [3, 3], s: [2, 2], p: [1, 1] },
    { x: [2, 1, 5, 5], k: [3, 2], s: [1, 1], p: [0, 0] },
  ];
  const out: ConformanceCase[] = [];
  for (const { x, k, s, p } of setups) {
    const tag = `x${JSON.stringify(x)} k${k} s${s} p${p}`;
    const attrs = { kernel: k, stride: s, pad: p };
    const yShape = naivePool({ values: new Array(size(x)).fill(0), shape: x }, k, s, p, 'avg').shape;
    for (const kind of ['max', 'avg'] as const) {
      out.push({
        name: `${kind}Pool2d ${tag}`,
        inputs: (g) => [randomInput(g, x)],
        run: ([a]) => [(kind === 'max' ? ops.maxPool2d : ops.avgPool2d)(a, { kernelSize: k, stride: s, padding: p })],
        expected: ([a]) => [naivePool(a, k, s, p, kind)],
      });
      out.push({
        name: `${kind}Pool2dBackward ${tag}`,
        inputs: (g) => [randomInput(g, x), randomInput(g, yShape)],
        // maxPool2d's argmax output is internal to its gradient, so it is checked here, through the backward kernel.
        run: ([a, dy]) => [kind === 'max'
          ? bp.maxPool2dBackward(dy, engine.runKernel('maxPool2d', [a], attrs)[1], x, attrs)
          : bp.avgPool2dBackward(dy, x, attrs)],
        expected: ([a, dy]) => [naivePoolBackward(a, dy, k, s, p, kind)],
      });
    }
  }
  return out;
}

export function matmulCases(): ConformanceCase[] {
  const setups: [number[], number[], boolean, boolean][] = [
    [[5, 7], [7, 3], false, false], [[7, 5], [7, 3], true, false], [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true], [[2, 3, 4], [4, 5], false, false], [[2, 1, 3, 4], [3, 4, 2], false, false],
    [[1, 1], [1, 1], false, false], [[17, 33], [33, 19], false, false], [[64, 64], [64, 64], false, true],
  ];
  return setups.map(([sa, sb, tA, tB]) => ({
    name: `matmul ${JSON.stringify(sa)}${tA ? 'ᵀ' : ''} x ${JSON.stringify(sb)}${tB ? 'ᵀ' : ''}`,
    inputs: (g) => [randomInput(g, sa), randomInput(g, sb)],
    run: ([a, b]) => [ops.matmul(a, b, { transposeA: tA, transposeB: tB })],
    expected: ([a, b]) => [naiveMatmul(a, b, tA, tB)],
  }));
}
