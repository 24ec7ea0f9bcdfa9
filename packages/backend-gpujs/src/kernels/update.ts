import type { KernelAttrs } from '@kwta/core';
import type { Device } from '../device.js';
import { launch, type DevTensor } from './types.js';

/**
 * One SGD step (PyTorch's rule, as core's sgdUpdate kernel): the new momentum buffer in one
 * launch, the new parameter in a second that reads it. Hyperparameters are uniforms (num0 ..), so
 * each variant compiles once for all learning rates.
 */
export function sgdUpdate(device: Device, [p, g, b]: DevTensor[], a: KernelAttrs['sgdUpdate']): DevTensor[] {
  const nums = [a.lr, a.momentum, 1 - a.dampening, a.weightDecay];
  // num0 lr, num1 momentum, num2 1 - dampening, num3 weight decay.
  const grad = a.weightDecay !== 0 ? 'const gi = a1[i] + a0[i] * num3;' : 'const gi = a1[i];';
  const operands = b ? [p, g, b] : [p, g];
  if (a.momentum === 0) {
    return [launch(device, 'sgd plain', p.shape, p.dtype, operands, `${grad}\nreturn a0[i] - gi * num0;`, nums)];
  }
  const buffer = launch(device, `sgd buffer${b ? '' : ' first'}`, p.shape, p.dtype, operands, `${grad}\nreturn ${b ? 'a2[i] * num1 + gi * num2' : 'gi'};`, nums);
  const step = a.nesterov ? 'gi + a2[i] * num1' : 'a2[i]';
  const param = launch(device, `sgd param${a.nesterov ? ' nesterov' : ''}`, p.shape, p.dtype, [p, g, buffer], `${grad}\nreturn a0[i] - (${step}) * num0;`, nums);
  return [param, buffer];
}
