import { Generator, conv2d, tensor, type Conv2dAttrs } from '@kwta/core';
import { conv2dBackwardFilter, conv2dBackwardInput } from '@kwta/core/internal';
import { kwtaContender } from '../contenders/kwta.js';
import { initTfjs, tf, tfjsContender, type TfjsBackend } from '../contenders/tfjs.js';
import type { BenchCase, Mode, Suite } from '../harness/types.js';
import { FCHW_TO_HWCF, HWCF_TO_FCHW, NCHW_TO_NHWC, NHWC_TO_NCHW, normalData, permute } from './data.js';
import { CORE_RATIOS } from './ratios.js';

/** One convolution layer: C -> F channels, KxK kernel, on HxH inputs. */
export interface ConvLayer {
  name: string;
  C: number; F: number; H: number; K: number; stride: number; pad: number;
}

/**
 * The four convolutions of the paper's MNIST CNN (kWTA-Activation repository, MNIST_CNN with
 * channels [32, 32, 64, 64]): every one 3x3 with padding 1, the 2nd and 4th with stride 2.
 */
export const MNIST_CNN_CONVS: ConvLayer[] = [
  { name: '1→32 28x28 s1', C: 1, F: 32, H: 28, K: 3, stride: 1, pad: 1 },
  { name: '32→32 28x28 s2', C: 32, F: 32, H: 28, K: 3, stride: 2, pad: 1 },
  { name: '32→64 14x14 s1', C: 32, F: 64, H: 14, K: 3, stride: 1, pad: 1 },
  { name: '64→64 14x14 s2', C: 64, F: 64, H: 14, K: 3, stride: 2, pad: 1 },
];
const FULL_BATCH = 64;

/** Smoke-test versions: same channels and strides, tiny batch and images (odd sizes on purpose). */
const QUICK_CONVS: ConvLayer[] = MNIST_CNN_CONVS.map((l) => ({ ...l, H: l.H === 28 ? 7 : 5 }));
const QUICK_BATCH = 2;

type Pass = 'forward' | 'backward';

function outSize(l: ConvLayer): number {
  return Math.floor((l.H + 2 * l.pad - l.K) / l.stride) + 1;
}

/**
 * tfjs-backend-wasm 4.22 registers no Conv2DBackpropFilter kernel (so tf.grads of a conv2d fails
 * on it). The filter gradient is a convolution itself: correlate x, viewed as [C, H, W, N], with
 * dy, viewed as an [OH, OW, N, F] filter dilated by the stride; the result is [C, K, K, F]. This
 * is what a tfjs-wasm user would have to write; its transposes count in its time.
 */
function wasmFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, l: ConvLayer, OH: number): tf.Tensor {
  const after = l.K + l.stride * (OH - 1) - l.H - l.pad; // padding that yields exactly K outputs
  if (after < 0) throw new Error(`wasmFilterGrad: layer ${l.name} would need negative padding`);
  const xT = tf.transpose(x, [3, 1, 2, 0]);
  const dyT = tf.transpose(dy, [1, 2, 0, 3]);
  const g = tf.conv2d(xT, dyT, 1, [[0, 0], [l.pad, after], [l.pad, after], [0, 0]], 'NHWC', l.stride);
  return tf.transpose(g, [1, 2, 0, 3]);
}

function convCase(l: ConvLayer, N: number, pass: Pass): BenchCase {
  const OH = outSize(l);
  const forwardFlops = 2 * N * l.F * OH * OH * l.C * l.K * l.K;
  const xShape = [N, l.C, l.H, l.H], wShape = [l.F, l.C, l.K, l.K], yShape = [N, l.F, OH, OH];
  const attrs: Conv2dAttrs = { stride: [l.stride, l.stride], pad: [l.pad, l.pad], dilation: [1, 1] };
  return {
    id: `conv2d ${l.name} ${pass === 'forward' ? 'fwd' : 'bwd'}`,
    description: pass === 'forward'
      ? `y = conv2d(x, w), x [${xShape}], w [${wShape}], stride ${l.stride}, padding ${l.pad}`
      : `dx and dw of y = conv2d(x, w) given dy [${yShape}], x [${xShape}], w [${wShape}], stride ${l.stride}, padding ${l.pad}`,
    params: { batch: N, inChannels: l.C, outChannels: l.F, size: l.H, kernel: l.K, stride: l.stride, padding: l.pad, outSize: OH, pass },
    // Backward = the input gradient plus the filter gradient, each as costly as the forward pass.
    flops: pass === 'forward' ? forwardFlops : 2 * forwardFlops,
    reference: 'tfjs-cpu',
    tolerance: 1e-4,
    ratios: CORE_RATIOS,
    contenders() {
      const gen = new Generator(2000 + l.C * 100 + l.F + l.stride);
      const x = normalData(xShape, gen), w = normalData(wShape, gen), dy = normalData(yShape, gen);
      const tfjs = (backend: TfjsBackend) => tfjsContender(backend, () => {
        const tx = tf.tensor4d(permute(x, xShape, NCHW_TO_NHWC), [N, l.H, l.H, l.C]);
        const tw = tf.tensor4d(permute(w, wShape, FCHW_TO_HWCF), [l.K, l.K, l.C, l.F]);
        const tdy = tf.tensor4d(permute(dy, yShape, NCHW_TO_NHWC), [N, OH, OH, l.F]);
        const strides: [number, number] = [l.stride, l.stride];
        return {
          inputs: [tx, tw, tdy],
          run: () => {
            if (pass === 'forward') return tf.conv2d(tx, tw, strides, l.pad);
            const dx = tf.conv2dTranspose(tdy, tw, [N, l.H, l.H, l.C], strides, l.pad); // = Conv2DBackpropInput
            const dw = backend === 'wasm'
              ? wasmFilterGrad(tx, tdy, l, OH)
              : tf.engine().runKernel('Conv2DBackpropFilter', { x: tx, dy: tdy }, { strides, pad: l.pad, dataFormat: 'NHWC', filterShape: [l.K, l.K, l.C, l.F] }) as tf.Tensor;
            return [dx, dw];
          },
          canonical: ([a, b]) => pass === 'forward'
            ? [permute(a.dataSync(), a.shape, NHWC_TO_NCHW)]
            : [permute(a.dataSync(), a.shape, NHWC_TO_NCHW), permute(b.dataSync(), b.shape, HWCF_TO_FCHW)],
        };
      });
      return [
        kwtaContender(() => {
          const kx = tensor(x, xShape), kw = tensor(w, wShape), kdy = tensor(dy, yShape);
          return {
            inputs: [kx, kw, kdy],
            run: () => pass === 'forward'
              ? conv2d(kx, kw, { stride: l.stride, padding: l.pad })
              : [conv2dBackwardInput(kdy, kw, xShape, attrs), conv2dBackwardFilter(kx, kdy, wShape, attrs)],
          };
        }),
        tfjs('cpu'),
        tfjs('wasm'),
      ];
    },
  };
}

export const conv2dSuite: Suite = {
  name: 'conv2d',
  description: 'The MNIST CNN convolutions (batch 64, 3x3, padding 1), forward and backward (input + filter gradients), kwta (NCHW) vs tfjs-backend-cpu and tfjs-backend-wasm (NHWC, their native layout)',
  cases(mode: Mode) {
    const [layers, N] = mode === 'full' ? [MNIST_CNN_CONVS, FULL_BATCH] : [QUICK_CONVS, QUICK_BATCH];
    return (['forward', 'backward'] as const).flatMap((pass) => layers.map((l) => convCase(l, N, pass)));
  },
  async environment() {
    return { tfjs: await initTfjs() };
  },
};
