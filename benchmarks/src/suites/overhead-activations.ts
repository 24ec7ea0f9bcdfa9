import { kwtaBackendInfo } from '../contenders/backends.js';
import type { Mode, Suite } from '../harness/types.js';
import { activationCase, GAMMA } from './activation.js';

/**
 * The activation outputs of the paper's two main networks at batch 64: the MNIST CNN's four
 * convolutions (28x28 → 28, 14, 14, 7 with channels 32, 32, 64, 64) and its hidden layer, and
 * ResNet-18's four stages on 32x32 CIFAR inputs (64, 128, 256, 512 channels at 32, 16, 8, 4).
 */
export const ACTIVATION_SHAPES: { label: string; shape: number[] }[] = [
  { label: 'MNIST-CNN conv1', shape: [64, 32, 28, 28] },
  { label: 'MNIST-CNN conv2', shape: [64, 32, 14, 14] },
  { label: 'MNIST-CNN conv3', shape: [64, 64, 14, 14] },
  { label: 'MNIST-CNN conv4', shape: [64, 64, 7, 7] },
  { label: 'MNIST-CNN hidden', shape: [64, 20000] },
  { label: 'ResNet-18 stage1', shape: [64, 64, 32, 32] },
  { label: 'ResNet-18 stage2', shape: [64, 128, 16, 16] },
  { label: 'ResNet-18 stage3', shape: [64, 256, 8, 8] },
  { label: 'ResNet-18 stage4', shape: [64, 512, 4, 4] },
];

/** Smoke-test sizes: same ranks, tiny batch and maps. */
const QUICK_SHAPES = [{ label: 'conv', shape: [2, 3, 5, 5] }, { label: 'dense', shape: [2, 40] }];

/** Issue 7's op-level goal: k-WTA forward + backward at most 1.5x ReLU on the CPU backend. */
export const overheadActivationsSuite: Suite = {
  name: 'overhead-activations',
  description: `k-WTA (gamma ${GAMMA}) vs ReLU, forward + backward, at the MNIST CNN's and ResNet-18's activation shapes (batch 64), on the WebAssembly SIMD backend and the pure-TypeScript path`,
  cases(mode: Mode) {
    return (mode === 'full' ? ACTIVATION_SHAPES : QUICK_SHAPES).map((s, i) => activationCase(s.label, s.shape, 50 + i));
  },
  async environment() {
    return { kwtaWasm: kwtaBackendInfo('wasm'), kwtaJs: kwtaBackendInfo('js') };
  },
};
