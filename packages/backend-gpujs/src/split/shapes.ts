import { convOutSize, type KernelAttrs, type KernelName } from '@kwta/core';
import { broadcastShape } from '../kernels/elementwise.js';
import type { DeviceKernelName } from '../kernels/host.js';

type ShapeRule<K extends KernelName> = (inputs: readonly number[][], attrs: KernelAttrs[K]) => number[][];

const same: ShapeRule<KernelName> = ([x]) => [[...x]];
const broadcast: ShapeRule<KernelName> = (xs) => [broadcastShape(xs)];
const given = (s: readonly number[]) => [[...s]];

function conv([x, w]: readonly number[][], a: KernelAttrs['conv2d']): number[][] {
  const oh = convOutSize(x[2], w[2], a.stride[0], a.pad[0], a.dilation[0]);
  const ow = convOutSize(x[3], w[3], a.stride[1], a.pad[1], a.dilation[1]);
  return [[x[0], w[0], oh, ow]];
}

function pool([x]: readonly number[][], a: KernelAttrs['maxPool2d']): number[] {
  return [x[0], x[1], convOutSize(x[2], a.kernel[0], a.stride[0], a.pad[0], 1), convOutSize(x[3], a.kernel[1], a.stride[1], a.pad[1], 1)];
}

function matmul([a, b]: readonly number[][], t: KernelAttrs['matmul']): number[][] {
  const M = t.transposeA ? a[a.length - 1] : a[a.length - 2];
  const N = t.transposeB ? b[b.length - 2] : b[b.length - 1];
  return [[...broadcastShape([a.slice(0, -2), b.slice(0, -2)]), M, N]];
}

/**
 * Output shapes of every kernel from its input shapes and attributes, so a launch can be
 * planned (does it fit? how to cut it?) before anything runs. Forgetting a kernel is a type error.
 */
export const outputShapes: { [K in DeviceKernelName]: ShapeRule<K> } = {
  unary: same, cast: same, binary: broadcast, compare: broadcast, where: broadcast,
  reduce: ([x], { axes }) => [x.filter((_, d) => !axes.includes(d))],
  argReduce: ([x], { axis }) => [x.filter((_, d) => d !== axis)],
  matmul,
  conv2d: conv,
  conv2dBackwardInput: (_s, a) => given(a.inputShape),
  conv2dBackwardFilter: (_s, a) => given(a.filterShape),
  maxPool2d: (s, a) => [pool(s, a), pool(s, a)],
  avgPool2d: (s, a) => [pool(s, a)],
  maxPool2dBackward: (_s, a) => given(a.inputShape),
  avgPool2dBackward: (_s, a) => given(a.inputShape),
  transpose: ([x], { perm }) => [perm.map((p) => x[p])],
  slice: (_s, { size }) => given(size),
  pad: ([x], { paddings }) => [x.map((d, i) => d + paddings[i][0] + paddings[i][1])],
  concat: (xs, { axis }) => [xs[0].map((d, i) => (i === axis ? xs.reduce((acc, x) => acc + x[axis], 0) : d))],
  gather: ([x, idx], { axis }) => [x.map((d, i) => (i === axis ? idx.reduce((p, v) => p * v, 1) : d))],
  scatterAdd: ([dy], { axis, size }) => [dy.map((d, i) => (i === axis ? size : d))],
  takeAlong: ([, idx]) => [[...idx]],
  scatterAlong: ([dy], { size }) => [[...dy.slice(0, -1), size]],
  topk: ([x], { k }) => [[...x.slice(0, -1), k]],
  topkMask: same,
  sgdUpdate: ([p], { momentum }) => (momentum !== 0 ? [[...p], [...p]] : [[...p]]),
};
