import { Generator, kWinners, mul, profileKernels, randn, relu, sum, tidy, valueAndGrad, type KernelProfile, type Tensor } from '@kwta/core';
import { DataLoader, take, type Batch } from '@kwta/datasets';
import { loadMnistPackage } from '@kwta/datasets/node';
import { KWTA, ReLU, mnistCnn } from '@kwta/nn';
import { SGD } from '@kwta/optim';
import { trainStep, resolveMethodOptions, FreeState } from '@kwta/train';

/** One line of `kwta bench`: ReLU's and k-WTA's times on a case, their ratio and the goal ratio. */
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

/** The activation shapes `kwta bench` times ReLU and k-WTA on (the MNIST CNN's layers and more). */
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

/** The first 64 training digits as one batch (load once, share between the steps compared). */
export function firstMnistBatch(): Batch {
  const data = take(loadMnistPackage({ split: 'train' }), 64);
  return new DataLoader(data, { batchSize: 64, shuffle: false }).batches(0).next().value!;
}

/** The hidden widths `kwta bench` compares k-WTA and ReLU steps at: the convolutions weigh most at 1024, the paper's 20000 is fc1's. */
export const BENCH_HIDDEN = [1024, 20000];

/**
 * A training step of the MNIST CNN on `batch` with k-WTA-0.1 (the paper's SparseMNIST_CNN: after
 * every layer but the last) or ReLU, SGD with momentum 0.9, ready to run repeatedly.
 */
function mnistStep(kwta: boolean, hidden: number, batch: Batch): () => void {
  const mo = resolveMethodOptions('natural', {});
  const model = mnistCnn({ gen: new Generator(3), hiddenSize: hidden, activation: () => (kwta ? new KWTA({ gamma: 0.1 }) : new ReLU()) });
  const optimizer = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const gen = new Generator(4);
  return () => { trainStep('natural', { model, optimizer, gen }, batch.images, batch.labels, mo, new FreeState()); };
}

/**
 * One training step of the MNIST CNN (batch 64) with k-WTA-0.1 vs ReLU. With the sparse path
 * (docs/sparse.md) the k-WTA step is the cheaper one: goal at most 0.5x at the paper's width
 * (issue 14), at most 1.05x elsewhere (issue 7's overhead goal).
 */
export function benchTrainingStep(reps = 5, hidden = 1024, batch = firstMnistBatch()): BenchRow {
  const [reluMs, kwtaMs] = sideBySide(mnistStep(false, hidden, batch), mnistStep(true, hidden, batch), reps);
  return { case: `MNIST-CNN training step (batch 64, hidden ${hidden})`, reluMs, kwtaMs, ratio: kwtaMs / reluMs, goal: hidden >= 20000 ? 0.5 : 1.05 };
}

/**
 * Where a training step's time goes, kernel by kernel (after one warm-up step), averaged over
 * `reps`; `byShape` tells the layers apart (each kernel keyed by its input shapes).
 */
export function profileTrainingStep(kwta: boolean, reps = 3, hidden = 1024, batch = firstMnistBatch(), byShape = false): KernelProfile<void> {
  const step = mnistStep(kwta, hidden, batch);
  step();
  const p = profileKernels(() => { for (let r = 0; r < reps; r++) step(); }, { byShape });
  return {
    ...p,
    totalMs: p.totalMs / reps,
    kernelMs: p.kernelMs / reps,
    kernels: p.kernels.map((k) => ({ ...k, calls: k.calls / reps, ms: k.ms / reps })),
  };
}

/** A profile as a table: the `top` slowest kernels, then the rest and the time outside kernels. */
export function formatProfile(title: string, p: KernelProfile<unknown>, top = 10): string {
  const pct = (ms: number) => `${((100 * ms) / p.totalMs).toFixed(1).padStart(5)}%`;
  const lines = [`${title}: ${p.totalMs.toFixed(1)} ms per step, ${p.kernelMs.toFixed(1)} ms in kernels`];
  const width = Math.max(30, ...p.kernels.slice(0, top).map((k) => k.key.length));
  for (const k of p.kernels.slice(0, top)) {
    lines.push(`  ${k.key.padEnd(width)} ${k.ms.toFixed(2).padStart(9)} ms ${pct(k.ms)}  ${String(Math.round(k.calls)).padStart(4)} calls  largest input ${k.maxElements}`);
  }
  const rest = p.kernels.slice(top).reduce((a, k) => a + k.ms, 0);
  if (p.kernels.length > top) lines.push(`  ${`${p.kernels.length - top} other kernels`.padEnd(width)} ${rest.toFixed(2).padStart(9)} ms ${pct(rest)}`);
  lines.push(`  ${'outside kernels (autodiff, JS)'.padEnd(width)} ${(p.totalMs - p.kernelMs).toFixed(2).padStart(9)} ms ${pct(p.totalMs - p.kernelMs)}`);
  return lines.join('\n');
}

/** The rows of `kwta bench` as a Markdown table. */
export function formatBench(rows: BenchRow[]): string {
  const lines = rows.map((r) => `${r.case.padEnd(58)} ReLU ${r.reluMs.toFixed(1).padStart(8)} ms  k-WTA ${r.kwtaMs.toFixed(1).padStart(8)} ms  k-WTA/ReLU ${r.ratio.toFixed(2)}x  (goal <= ${r.goal}x) ${r.ratio <= r.goal ? 'met' : 'MISSED'}`);
  return lines.join('\n');
}
