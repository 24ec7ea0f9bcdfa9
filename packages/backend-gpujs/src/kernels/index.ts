import type { KernelAttrs } from '@kwta/core';
import type { Device } from '../device.js';
import { binary, cast, compare, unary, where } from './elementwise.js';
import { conv2d, conv2dBackwardFilter, conv2dBackwardInput, matmul } from './linalg.js';
import { concat, gather, pad, scatterAdd, scatterAlong, slice, takeAlong, transpose } from './layout.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import { argReduce, reduce } from './reduce.js';
import { radixTopkIndices, radixTopkMask } from './select.js';
import type { DevTensor } from './types.js';
import type { DeviceKernelName } from './host.js';
import { sgdUpdate } from './update.js';

export type DeviceKernel<K extends DeviceKernelName> = (device: Device, inputs: DevTensor[], attrs: KernelAttrs[K]) => DevTensor[];

/** One gpu.js implementation per core kernel but the host ones (host.ts); forgetting one is a type error. */
export const deviceKernels: { [K in DeviceKernelName]: DeviceKernel<K> } = {
  sgdUpdate,
  unary, binary, compare, where, cast, reduce, argReduce, matmul,
  conv2d, conv2dBackwardInput, conv2dBackwardFilter,
  maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward,
  transpose, slice, pad, concat, gather, scatterAdd, takeAlong, scatterAlong,
  topkMask: (device, [x], { k }) => [radixTopkMask(device, x, k)],
  topk: (device, [x], { k }) => {
    const mask = radixTopkMask(device, x, k);
    try {
      return [radixTopkIndices(device, x, mask, k)];
    } finally {
      device.release(mask.buf);
    }
  },
};
