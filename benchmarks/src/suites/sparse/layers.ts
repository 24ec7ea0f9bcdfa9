import type { ConvLayer, LinearLayer, SparseLayer } from '@kwta/core/internal';
import type { Mode } from '../../harness/types.js';
import { MNIST_CNN_CONVS } from '../conv2d.js';

/**
 * The layers of the paper's MNIST CNN that follow a k-WTA (batch 64, gamma 0.1 everywhere, the
 * paper code's SparseMNIST_CNN): conv2-conv4 (their input is the previous conv's k-WTA), fc1
 * (3136 → hidden; the k-WTA after it makes dy sparse too) and fc2 (hidden → 10; dy is the loss
 * gradient, dense). conv1 reads the image: it stays dense.
 */

export const PAPER_GAMMA = 0.1;
export const kOf = (gamma: number, features: number) => Math.max(1, Math.floor(gamma * features));

export interface NamedLayer {
  name: string;
  layer: SparseLayer;
}

export function linearLayer(batch: number, inF: number, out: number, gamma: number, kOutFollows: boolean): LinearLayer {
  return { kind: 'linear', batch, inF, out, k: kOf(gamma, inF), ...(kOutFollows ? { kOut: kOf(gamma, out) } : {}) };
}

export function convLayer(batch: number, l: (typeof MNIST_CNN_CONVS)[number], H: number, gamma: number): ConvLayer {
  return {
    kind: 'conv2d', batch, C: l.C, H, W: H, F: l.F, KH: l.K, KW: l.K, k: kOf(gamma, l.C * H * H),
    attrs: { stride: [l.stride, l.stride], pad: [l.pad, l.pad], dilation: [1, 1] },
  };
}

/** The two linear layers at hidden width `hidden` (quick mode: a 7x7x1 flattened input, batch 2). */
export function paperLinears(mode: Mode, hidden: number, gamma = PAPER_GAMMA): NamedLayer[] {
  const [N, flat] = mode === 'full' ? [64, 3136] : [2, 49];
  return [
    { name: `fc1 ${flat}→${hidden}`, layer: linearLayer(N, flat, hidden, gamma, true) },
    { name: `fc2 ${hidden}→10`, layer: linearLayer(N, hidden, 10, gamma, false) },
  ];
}

/** conv2-conv4 (quick mode: 7x7 and 5x5 images, batch 2). */
export function paperConvs(mode: Mode, gamma = PAPER_GAMMA): NamedLayer[] {
  const [N, small] = mode === 'full' ? [64, false] : [2, true];
  return MNIST_CNN_CONVS.slice(1).map((l) => ({
    name: `conv ${l.name}`,
    layer: convLayer(N, l, small ? (l.H === 28 ? 7 : 5) : l.H, gamma),
  }));
}
