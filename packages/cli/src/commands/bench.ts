import { Generator, kWinners, mul, randn, relu, sum, tidy, valueAndGrad, type Tensor } from '@kwta/core';
import { DataLoader, loadMnistPackage, take } from '@kwta/datasets';
import { KWTA, ReLU, mnistCnn } from '@kwta/nn';
import { SGD } from '@kwta/optim';
import { trainStep, resolveMethodOptions, FreeState } from '@kwta/train';

export interface BenchRow {
  case: string;
  reluMs: number;
  kwtaMs: number;
  ratio: number;
  goal: number;
}

/** Median of interleaved timings: each repetition times A then B, so load hits both alike. */
function sideBySide(a: () => void, b: () => void, reps: number): [number, number] {
  a(); b();
  const ta: number[] = [], tb: number[] = [];
  for (let r = 0; r < reps; r++) {
    let t = performance.now(); a(); ta.push(performance.now() - t);
    t = performance.now(); b(); tb.push(performance.now() - t);
  }
  const median = (v: number[]) => v.sort((x, y) => x - y)[Math.floor(v.length / 2)];
  return [median(ta), median(tb)];
}

export const ACTIVATION_SHAPES: { name: string; shape: number[] }[] = [
  { name: 'MNIST-CNN conv1 [64,32,28,28]', shape: [64, 32, 28, 28] },
  { name: 'MNIST-CNN conv2 [64,32,14,14]', shape: [64, 32, 14, 14] },
  { name: 'MNIST-CNN conv3 [64,64,14,14]', shape: [64, 64, 14, 14] },
  { name: 'MNIST-CNN conv4 [64,64,7,7]', shape: [64, 64, 7, 7] },
  { name: 'ResNet-18 stage1 [64,64,32,32]', shape: [64, 64, 32, 32] },
  { name: 'ResNet-18 stage2 [64,128,16,16]', shape: [64, 128, 16, 16] },
  { name: 'ResNet-18 stage3 [64,256,8,8]', shape: [64, 256, 8, 8] },
  { name: 'ResNet-18 stage4 [64,512,4,4]', shape: [64, 512, 4, 4] },
  { name: 'dense [64,16384]', shape: [64, 16384] },
];

/** k-WTA (gamma 0.1) vs ReLU, forward + backward, at each activation shape. */
export function benchActivations(reps = 7, shapes = ACTIVATION_SHAPES, onRow?: (r: BenchRow) => void): BenchRow[] {
  const gen = new Generator(1);
  return shapes.map(({ name, shape }) => {
    const x = randn(shape, gen).keep(), w = randn(shape, gen).keep();
    const k = Math.floor(0.1 * (x.size / shape[0]));
    const fb = (act: (t: Tensor) => Tensor) => () => tidy(() => {
      valueAndGrad((t: Tensor) => sum(mul(act(t), w)))(x).grads[0].dataSync();
    });
    const [reluMs, kwtaMs] = sideBySide(fb(relu), fb((t) => kWinners(t, k)), reps);
    x.dispose(); w.dispose();
    const row = { case: `activation fwd+bwd ${name}`, reluMs, kwtaMs, ratio: kwtaMs / reluMs, goal: 1.5 };
    onRow?.(row);
    return row;
  });
}

/** One training step of the MNIST CNN (batch 64) with k-WTA-0.1 vs ReLU. */
export function benchTrainingStep(reps = 5, hidden = 256): BenchRow {
  const data = take(loadMnistPackage({ split: 'train' }), 64);
  const batch = new DataLoader(data, { batchSize: 64, shuffle: false }).batches(0).next().value!;
  const mo = resolveMethodOptions('natural', {});
  const make = (kwta: boolean) => {
    const model = mnistCnn({ gen: new Generator(3), hiddenSize: hidden, activation: () => (kwta ? new KWTA({ gamma: 0.1 }) : new ReLU()) });
    const optimizer = new SGD(model.parameters(), { lr: 0.01 });
    const gen = new Generator(4);
    return () => { trainStep('natural', { model, optimizer, gen }, batch.images, batch.labels, mo, new FreeState()); };
  };
  const [reluMs, kwtaMs] = sideBySide(make(false), make(true), reps);
  return { case: `MNIST-CNN training step (batch 64, hidden ${hidden})`, reluMs, kwtaMs, ratio: kwtaMs / reluMs, goal: 1.05 };
}

export function formatBench(rows: BenchRow[]): string {
  const lines = rows.map((r) => `${r.case.padEnd(58)} ReLU ${r.reluMs.toFixed(1).padStart(8)} ms  k-WTA ${r.kwtaMs.toFixed(1).padStart(8)} ms  ratio ${r.ratio.toFixed(2)}x  (goal <= ${r.goal}x) ${r.ratio <= r.goal ? 'met' : 'MISSED'}`);
  return lines.join('\n');
}
