import { parseArgs } from 'node:util';
import {
  Generator, WasmBackend, add, mul, noGrad, profileKernels, setBackend, setSparsePath, sub, tensor, tidy, type KernelStat, type Tensor,
} from '@kwta/core';
import { KWTA, ReLU, crossEntropy, mnistCnn, type MnistCnn } from '@kwta/nn';
import { SGD } from '@kwta/optim';
import { machineInfo } from './harness/machine.js';
import { choiceOption, positiveIntOption, runScript } from './harness/script.js';

/**
 * Where a training step of the paper's MNIST CNN goes, layer by layer and pass by pass, before
 * and after issue 14, measured in one process with the two interleaved step by step: 'before'
 * is the dense path (setSparsePath('off')) with the SGD update written as @kwta/optim wrote it
 * before the fused kernel (three multiplies, an add, a subtract per parameter); 'after' is the
 * default (the sparse path where the cost model says it pays, the fused update). Kernel times
 * from profileKernels({ byShape: true }), each call sorted into the layer and pass its input
 * shapes say it is. Batch 64, k-WTA-0.1 (or ReLU) everywhere, SGD momentum 0.9, wasm backend
 * on 2 threads.
 */

const USAGE = 'usage: node --expose-gc dist/profile-step.js [--hidden N] [--activation kwta|relu] [--reps N]';

/** The SGD update before the fused kernel: torch.optim.SGD's rule as five elementwise ops. */
function composedSgd(params: Tensor[], buffers: Map<Tensor, Tensor>, lr: number, momentum: number): void {
  noGrad(() => {
    for (const p of params) {
      const g = p.grad!;
      const prev = buffers.get(p);
      const buf = tidy(() => (prev ? add(mul(prev, momentum), mul(g, 1)) : mul(g, 1))).keep();
      prev?.dispose();
      buffers.set(p, buf);
      tidy(() => p.assign(sub(p, mul(buf, lr))));
    }
  });
}

const CONV_LAYERS: Record<string, string> = { '1,32': 'conv1', '32,32': 'conv2', '32,64': 'conv3', '64,64': 'conv4' };
/** The sparse filter gradient's layer from its dy's channels and height. */
const SPARSE_FILTER_LAYERS: Record<string, string> = { '32,14': 'conv2', '64,14': 'conv3', '64,7': 'conv4' };

/**
 * The layer and pass a kernel call belongs to, from its kernel and input shapes (the `key` of a
 * by-shape profile, e.g. `matmul float32 tB [64,3136] [20000,3136]`).
 */
function category(k: KernelStat, hidden: number): string {
  const shapes = [...k.key.matchAll(/\[([\d,]*)\]/g)].map((m) => m[1].split(',').map(Number));
  const [a, b] = shapes;
  const fc = (w: number[]) => (w[0] === hidden ? 'fc1' : 'fc2');
  const convOf = (w: number[]) => CONV_LAYERS[`${w[1]},${w[0]}`] ?? 'conv?';
  switch (k.kernel) {
    case 'conv2d': case 'sparseConv2d': return `${convOf(b)} forward`;
    case 'conv2dBackwardInput': case 'sparseConv2dBackwardInput': return `${convOf(b)} input grad`;
    case 'conv2dBackwardFilter': return `${CONV_LAYERS[`${a[1]},${b[1]}`] ?? 'conv?'} weight grad`;
    // Inputs: the rows, then dy [64, F, OH, OW]; the layer from F and OH.
    case 'sparseConv2dBackwardFilter': return `${SPARSE_FILTER_LAYERS[`${shapes[3][1]},${shapes[3][2]}`] ?? 'conv?'} weight grad`;
    case 'matmul': return k.key.includes(' tB ') ? `${fc(b)} forward` : k.key.includes(' tA ') ? `${a[1] === hidden ? 'fc1' : 'fc2'} weight grad` : `${fc(b)} input grad`;
    case 'sparseLinear': return `${fc(b)} forward`;
    case 'sparseLinearWeightGrad': return 'fc1 weight grad';
    case 'sparseLinearInputGrad': return `${fc(shapes[3])} input grad`;
    case 'sgdUpdate': return a[0] === hidden ? 'SGD update, fc1 weight' : 'other (bias adds, sums, loss, small updates)';
    case 'binary': return k.maxElements >= hidden * 3136 ? 'SGD update, fc1 weight' : 'other (bias adds, sums, loss, small updates)';
    case 'topkMask': case 'where': case 'winners': case 'nonzeros': case 'compare': return 'activations (selection, masks, winners)';
    case 'unary': return k.key.startsWith('unary:relu') ? 'activations (selection, masks, winners)' : 'other (bias adds, sums, loss, small updates)';
    default: return 'other (bias adds, sums, loss, small updates)';
  }
}

interface Side { model: MnistCnn; step: () => void; totals: Map<string, number>; stepMs: number[] }

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { hidden: { type: 'string', default: '20000' }, activation: { type: 'string', default: 'kwta' }, reps: { type: 'string', default: '3' }, help: { type: 'boolean', default: false } } });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const hidden = positiveIntOption('hidden', values.hidden), reps = positiveIntOption('reps', values.reps);
  const act = choiceOption('activation', values.activation, ['kwta', 'relu']);
  const backend = new WasmBackend({ threads: 2 });
  setBackend(backend);
  await backend.ready;
  const gen = new Generator(8);
  const x = tensor(Float32Array.from({ length: 64 * 784 }, () => gen.normal()), [64, 1, 28, 28]).keep();
  const y = tensor(Int32Array.from({ length: 64 }, () => gen.int(10)), [64], 'int32').keep();
  const build = (before: boolean): Side => {
    const model = mnistCnn({ gen: new Generator(7), hiddenSize: hidden, activation: () => (act === 'relu' ? new ReLU() : new KWTA({ gamma: 0.1 })) });
    const params = model.parameters();
    const opt = new SGD(params, { lr: 0.01, momentum: 0.9 });
    const buffers = new Map<Tensor, Tensor>();
    const step = () => {
      setSparsePath(before ? 'off' : 'auto');
      for (const p of params) p.zeroGrad();
      tidy(() => crossEntropy(model.forward(x), y).backward());
      if (before) composedSgd(params, buffers, 0.01, 0.9);
      else opt.step();
    };
    return { model, step, totals: new Map(), stepMs: [] };
  };
  const sides = { before: build(true), after: build(false) };
  for (const s of Object.values(sides)) for (let i = 0; i < 2; i++) s.step();
  for (let r = 0; r < reps; r++) {
    for (const s of Object.values(sides)) {
      const p = profileKernels(s.step, { byShape: true });
      s.stepMs.push(p.totalMs);
      for (const k of p.kernels) s.totals.set(category(k, hidden), (s.totals.get(category(k, hidden)) ?? 0) + k.ms);
      s.totals.set('outside kernels (autodiff, JS)', (s.totals.get('outside kernels (autodiff, JS)') ?? 0) + p.totalMs - p.kernelMs);
    }
  }
  const cats = [...new Set([...sides.before.totals.keys(), ...sides.after.totals.keys()])].sort((a, b) => (sides.before.totals.get(b) ?? 0) - (sides.before.totals.get(a) ?? 0));
  const ms = (s: Side, c: string) => ((s.totals.get(c) ?? 0) / reps).toFixed(1);
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  console.log(`MNIST CNN step, ${act} everywhere, hidden ${hidden}, batch 64: ms per step (mean of ${reps} profiled steps each, interleaved)\n`);
  console.log('| where | before | after |\n|---|---|---|');
  for (const c of cats) console.log(`| ${c} | ${ms(sides.before, c)} | ${ms(sides.after, c)} |`);
  console.log(`| **step** (median) | **${median(sides.before.stepMs).toFixed(1)}** | **${median(sides.after.stepMs).toFixed(1)}** |`);
  console.log(`\nload average ${machineInfo().loadAverage.join(' ')}`);
  for (const s of Object.values(sides)) s.model.dispose();
  backend.dispose();
}

runScript(main, USAGE);
