/**
 * Benchmarks of the WebAssembly SIMD path (packages/core/src/backends/wasm) against
 * tfjs-backend-wasm, tfjs-backend-cpu and PyTorch. Ratios come from one run with interleaved
 * repetitions (contender A, contender B, A, B, ...), medians compared.
 *
 *   node packages/core/bench/run.mjs [matmul] [mnist] [kwta] [peak]
 *
 * tfjs is bundled from the benchmarks package's devDependencies; PyTorch runs through
 * /usr/bin/python3 (Debian's python3-torch).
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import {
  CpuBackend, Generator, conv2d, kWinners, logSoftmax, matmul, mean, mul, oneHot, randn, relu, reshape, setBackend,
  sub, sum, tensor, tidy, valueAndGrad, add, type Backend, type Tensor,
} from '../src/index.js';
import { WasmBackend } from '../src/backends/wasm/index.js';
import { measureClockGHz } from './clock.js';
// tfjs comes from the benchmarks package's devDependencies. For training (gradients needed) the
// ESM build of tfjs-core, its gradient registry and tfjs-backend-cpu are bundled (run.mjs points
// esbuild there); tfjs-backend-wasm is loaded from its installed CommonJS build with the
// CommonJS tfjs-core it registers into (as the benchmarks package does).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';

type Tf = typeof tf;

/** The monorepo root: the nearest folder at or above the working directory holding pnpm-workspace.yaml. */
function findRoot(): string {
  let dir = process.cwd();
  while (!existsSync(path.join(dir, 'pnpm-workspace.yaml')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}
const root = findRoot();

async function loadTfWasm(): Promise<{ tf: Tf; wasmThreads: number }> {
  const requireFromBench = createRequire(path.join(root, 'benchmarks', 'package.json'));
  const tfc = requireFromBench('@tensorflow/tfjs-core') as Tf;
  const tfwasm = requireFromBench('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(p: string): void; getThreadsCount(): number };
  tfc.enableProdMode();
  tfwasm.setWasmPaths(path.join(path.dirname(requireFromBench.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
  if (!(await tfc.setBackend('wasm'))) throw new Error('tfjs-backend-wasm did not start');
  return { tf: tfc, wasmThreads: tfwasm.getThreadsCount() };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** Interleaved repetitions of several contenders after `warmup` untimed rounds; medians in ms. */
function interleave(contenders: Record<string, () => void>, reps: number, warmup = 2): Record<string, number> {
  const names = Object.keys(contenders);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < warmup + reps; r++) {
    for (const n of names) {
      const t = time(contenders[n]);
      if (r >= warmup) times[n].push(t);
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(times[n])]));
}

function onBackend<T>(b: Backend, fn: () => T): T {
  setBackend(b);
  return fn();
}

async function benchMatmul(wasm2: WasmBackend, wasm1: WasmBackend): Promise<void> {
  const { tf, wasmThreads } = await loadTfWasm();
  console.log(`\n## matmul n x n (float32); tfjs-backend-wasm threads: ${wasmThreads}`);
  console.log('| n | kwta wasm 2 thr (ms) | GFLOP/s | kwta wasm 1 thr (ms) | GFLOP/s | tfjs-wasm (ms) | GFLOP/s | tfjs-wasm / kwta-2thr |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const n of [256, 512, 1024]) {
    const gen = new Generator(n);
    const host = Float32Array.from({ length: n * n }, () => gen.normal());
    const host2 = Float32Array.from({ length: n * n }, () => gen.normal());
    const ka2 = onBackend(wasm2, () => [tensor(host, [n, n]).keep(), tensor(host2, [n, n]).keep()]);
    const ka1 = onBackend(wasm1, () => [tensor(host, [n, n]).keep(), tensor(host2, [n, n]).keep()]);
    const ta = tf.tensor2d(host, [n, n]), tb = tf.tensor2d(host2, [n, n]);
    const reps = n >= 1024 ? 9 : 21;
    const ms = interleave({
      kwta2: () => onBackend(wasm2, () => matmul(ka2[0], ka2[1]).dispose()),
      kwta1: () => onBackend(wasm1, () => matmul(ka1[0], ka1[1]).dispose()),
      tfjs: () => tf.matMul(ta, tb).dispose(),
    }, reps);
    const gf = (t: number) => ((2 * n ** 3) / t / 1e6).toFixed(1);
    console.log(`| ${n} | ${ms.kwta2.toFixed(2)} | ${gf(ms.kwta2)} | ${ms.kwta1.toFixed(2)} | ${gf(ms.kwta1)} | ${ms.tfjs.toFixed(2)} | ${gf(ms.tfjs)} | ${(ms.tfjs / ms.kwta2).toFixed(2)}x |`);
    [...ka2, ...ka1].forEach((t) => t.dispose());
    ta.dispose();
    tb.dispose();
  }
}

/** The paper's MNIST CNN (channels 32, 32, 64, 64; hidden 20000), ReLU, batch 64. */
const HIDDEN = 20000;
const BATCH = 64;
const CONVS = [[1, 32, 1], [32, 32, 2], [32, 64, 1], [64, 64, 2]] as const;

function kwtaMnistStep(gen: Generator): () => void {
  const params: Tensor[] = [];
  for (const [c, f] of CONVS) params.push(randn([f, c, 3, 3], gen, { std: Math.sqrt(2 / (9 * c)) }).keep(), randn([f], gen, { std: 0.01 }).keep());
  params.push(randn([HIDDEN, 7 * 7 * 64], gen, { std: Math.sqrt(2 / 3136) }).keep(), randn([HIDDEN], gen, { std: 0.01 }).keep());
  params.push(randn([10, HIDDEN], gen, { std: Math.sqrt(1 / HIDDEN) }).keep(), randn([10], gen, { std: 0.01 }).keep());
  const x = randn([BATCH, 1, 28, 28], gen).keep();
  const labels = tensor(Int32Array.from({ length: BATCH }, () => gen.int(10)), [BATCH], 'int32').keep();
  const target = oneHot(labels, 10).keep();
  const loss = (...ps: Tensor[]) => {
    let h = x;
    CONVS.forEach(([, , s], i) => { h = relu(conv2d(h, ps[2 * i], { stride: s, padding: 1, bias: ps[2 * i + 1] })); });
    h = reshape(h, [BATCH, -1]);
    h = relu(add(matmul(h, ps[8], { transposeB: true }), ps[9]));
    const logits = add(matmul(h, ps[10], { transposeB: true }), ps[11]);
    return mean(sum(mul(logSoftmax(logits, -1), target), -1)).neg();
  };
  const step = valueAndGrad(loss);
  return () => tidy(() => {
    const { grads } = step(...params);
    params.forEach((p, i) => p.assign(sub(p, mul(grads[i], 0.01))));
  });
}

function tfjsMnistStep(tf: Tf, gen: Generator): () => void {
  const v = (shape: number[], std: number) => tf.variable(tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => gen.normal() * std), shape));
  const ws = CONVS.map(([c, f]) => [v([3, 3, c, f], Math.sqrt(2 / (9 * c))), v([f], 0.01)]);
  const w5 = v([3136, HIDDEN], Math.sqrt(2 / 3136)), b5 = v([HIDDEN], 0.01), w6 = v([HIDDEN, 10], Math.sqrt(1 / HIDDEN)), b6 = v([10], 0.01);
  const x = tf.tensor(Float32Array.from({ length: BATCH * 784 }, () => gen.normal()), [BATCH, 28, 28, 1]);
  const y = tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from({ length: BATCH }, () => gen.int(10)), 'int32'), 10), 'float32');
  const opt = tf.train.sgd(0.01);
  return () => {
    opt.minimize(() => {
      let h = x as import('@tensorflow/tfjs-core').Tensor4D;
      CONVS.forEach(([, , s], i) => { h = tf.relu(tf.add(tf.conv2d(h, ws[i][0] as never, s, [[0, 0], [1, 1], [1, 1], [0, 0]]), ws[i][1])); });
      const flat = tf.reshape(h, [BATCH, -1]) as import('@tensorflow/tfjs-core').Tensor2D;
      const hid = tf.relu(tf.add(tf.matMul(flat, w5), b5)) as import('@tensorflow/tfjs-core').Tensor2D;
      const logits = tf.add(tf.matMul(hid, w6), b6);
      return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), y), -1))) as import('@tensorflow/tfjs-core').Scalar;
    });
  };
}

function torchStep(reps: number): number | null {
  try {
    const out = execFileSync('/usr/bin/python3', [path.join(root, 'packages/core/bench/mnist_cnn_torch.py'), String(reps)], { encoding: 'utf8' });
    return (JSON.parse(out.trim().split('\n').pop() ?? '{}') as { median_ms: number }).median_ms;
  } catch (e) {
    console.log(`(PyTorch not run: ${(e as Error).message.split('\n')[0]})`);
    return null;
  }
}

async function benchMnist(wasm2: WasmBackend): Promise<void> {
  tf.enableProdMode();
  if (!(await tf.setBackend('cpu'))) throw new Error('tfjs-backend-cpu did not start');
  const kwta = onBackend(wasm2, () => kwtaMnistStep(new Generator(7)));
  const tfjs = tfjsMnistStep(tf, new Generator(7));
  const ms = interleave({ kwta: () => onBackend(wasm2, kwta), tfjsCpu: tfjs }, 2, 1);
  const kwtaMore = interleave({ kwta: () => onBackend(wasm2, kwta) }, 5, 0).kwta;
  const torch = torchStep(7);
  console.log(`\n## MNIST CNN training step (conv 32,32,64,64, hidden ${HIDDEN}, batch ${BATCH}, ReLU, SGD)`);
  console.log('| contender | ms / step |');
  console.log('|---|---|');
  console.log(`| kwta wasm (2 threads), interleaved with tfjs-cpu | ${ms.kwta.toFixed(0)} |`);
  console.log(`| kwta wasm (2 threads), 5 more steps | ${kwtaMore.toFixed(0)} |`);
  console.log(`| tfjs-backend-cpu | ${ms.tfjsCpu.toFixed(0)} |`);
  if (torch !== null) console.log(`| PyTorch ${'(CPU, 2 threads)'} | ${torch.toFixed(0)} |`);
  console.log(`tfjs-cpu / kwta: ${(ms.tfjsCpu / ms.kwta).toFixed(1)}x${torch !== null ? `; kwta / PyTorch: ${(kwtaMore / torch).toFixed(2)}x` : ''}`);
}

function benchKwta(backends: Record<string, Backend>): void {
  console.log('\n## k-WTA vs ReLU, forward + backward, x [64, 16384], gamma 0.1 (k = 1638)');
  console.log('| backend | ReLU (ms) | k-WTA (ms) | k-WTA / ReLU |');
  console.log('|---|---|---|---|');
  for (const [name, b] of Object.entries(backends)) {
    const gen = new Generator(3);
    const [x, r] = onBackend(b, () => [randn([64, 16384], gen).keep(), randn([64, 16384], gen).keep()]);
    const k = Math.round(0.1 * 16384);
    const fwdBwd = (act: (t: Tensor) => Tensor) => () => onBackend(b, () => tidy(() => { valueAndGrad((t: Tensor) => sum(mul(act(t), r)))(x); }));
    const ms = interleave({ relu: fwdBwd(relu), kwta: fwdBwd((t) => kWinners(t, k)) }, 21, 3);
    console.log(`| ${name} | ${ms.relu.toFixed(2)} | ${ms.kwta.toFixed(2)} | ${(ms.kwta / ms.relu).toFixed(2)}x |`);
    x.dispose();
    r.dispose();
  }
}

function benchPeak(wasm1: WasmBackend, wasm2: WasmBackend): void {
  const ghz = measureClockGHz();
  // 128-bit SIMD: 2 f32x4 multiplies + 2 f32x4 adds issue per cycle on this core (Zen 5: two FMUL/FMA
  // and two FADD pipes), i.e. the throughput of two FMAs: 2 x 4 lanes x 2 flops = 16 flops/cycle.
  const perCore = 16 * ghz;
  console.log(`\n## SIMD peak: ${cpus()[0]?.model ?? '?'}, measured clock ${ghz.toFixed(2)} GHz`);
  console.log(`assumed 128-bit peak: 16 flops/cycle/core (2 f32x4 mul + 2 f32x4 add) = ${perCore.toFixed(1)} GFLOP/s per core, ${(2 * perCore).toFixed(1)} on 2 cores`);
  for (const [name, b, cores] of [['1 thread', wasm1, 1], ['2 threads', wasm2, 2]] as const) {
    const n = 1024;
    const gen = new Generator(1);
    const [a, c] = onBackend(b, () => [randn([n, n], gen).keep(), randn([n, n], gen).keep()]);
    const ms = interleave({ mm: () => onBackend(b, () => matmul(a, c).dispose()) }, 9).mm;
    const gf = (2 * n ** 3) / ms / 1e6;
    console.log(`matmul 1024, ${name}: ${gf.toFixed(1)} GFLOP/s = ${((100 * gf) / (cores * perCore)).toFixed(0)}% of the ${cores}-core peak`);
    a.dispose();
    c.dispose();
  }
}

async function main(): Promise<void> {
  const which = new Set(process.argv.slice(2));
  const all = which.size === 0;
  const wasm2 = new WasmBackend({ threads: 2 });
  const wasm1 = new WasmBackend({ threads: 1 });
  console.log(`# kwta wasm benchmarks — ${cpus()[0]?.model ?? '?'}, ${cpus().length} cores, Node ${process.version}`);
  if (all || which.has('matmul')) await benchMatmul(wasm2, wasm1);
  if (all || which.has('peak')) benchPeak(wasm1, wasm2);
  if (all || which.has('kwta')) benchKwta({ 'wasm (2 threads)': wasm2, 'js (pure TypeScript)': new CpuBackend() });
  if (all || which.has('mnist')) await benchMnist(wasm2);
  wasm1.dispose();
  wasm2.dispose();
}

void main();
