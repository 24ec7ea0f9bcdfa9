import type { DeviceKernelName } from '../kernels/host.js';
import type { SplitRule } from './api.js';
import { conv2dBackwardFilterRule, conv2dBackwardInputRule, conv2dRule, planeRule } from './rules-conv.js';
import { elementwiseRules, sgdUpdateRule } from './rules-elementwise.js';
import { concatRule, gatherRule, padRule, scatterAddRule, scatterAlongRule, sliceRule, takeAlongRule, transposeRule } from './rules-layout.js';
import { matmulRule } from './rules-matmul.js';
import { argReduceRule, reduceRule } from './rules-reduce.js';
import { selectRule } from './rules-select.js';

export type { SplitContext } from './api.js';

/**
 * How each kernel is cut when one launch would exceed the device's texture capacity. Every
 * kernel has a rule; forgetting one is a type error.
 */
export const splitRules: { [K in DeviceKernelName]: SplitRule<K> } = {
  ...elementwiseRules,
  reduce: reduceRule,
  argReduce: argReduceRule,
  matmul: matmulRule,
  conv2d: conv2dRule,
  conv2dBackwardInput: conv2dBackwardInputRule,
  conv2dBackwardFilter: conv2dBackwardFilterRule,
  maxPool2d: planeRule('maxPool2d'),
  avgPool2d: planeRule('avgPool2d'),
  maxPool2dBackward: planeRule('maxPool2dBackward'),
  avgPool2dBackward: planeRule('avgPool2dBackward'),
  transpose: transposeRule,
  slice: sliceRule,
  pad: padRule,
  concat: concatRule,
  gather: gatherRule,
  scatterAdd: scatterAddRule,
  takeAlong: takeAlongRule,
  scatterAlong: scatterAlongRule,
  topk: selectRule('topk'),
  topkMask: selectRule('topkMask'),
  sgdUpdate: sgdUpdateRule,
};
