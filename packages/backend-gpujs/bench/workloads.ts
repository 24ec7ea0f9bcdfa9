import {
  CpuBackend, Generator, conv2d, kWinners, matmul, randn, relu, tidy, type Backend, type Tensor,
} from '@kwta/core';
import { withBackend } from '@kwta/core/testing';
import { GpuJsBackend, type GpuJsMode } from '../src/index.js';

/** A workload: inputs made once per backend, then an op whose output is read back (so GPU work finishes). */
export interface Workload {
  name: string;
  reps: number;
  inputs(g: Generator): Tensor[];
  run(xs: Tensor[]): Tensor;
}

export const WORKLOADS: Workload[] = [
  { name: 'matmul 512x512 @ 512x512', reps: 3, inputs: (g) => [randn([512, 512], g), randn([512, 512], g)], run: ([a, b]) => matmul(a, b) },
  { name: 'conv2d MNIST conv1 x[64,1,28,28] w[32,1,5,5] pad 2', reps: 3, inputs: (g) => [randn([64, 1, 28, 28], g), randn([32, 1, 5, 5], g)], run: ([x, w]) => conv2d(x, w, { padding: 2 }) },
  { name: 'conv2d MNIST conv2 x[64,32,14,14] w[64,32,5,5] pad 2', reps: 1, inputs: (g) => [randn([64, 32, 14, 14], g), randn([64, 32, 5, 5], g)], run: ([x, w]) => conv2d(x, w, { padding: 2 }) },
  { name: 'relu 64x16384', reps: 5, inputs: (g) => [randn([64, 16384], g)], run: ([x]) => relu(x) },
  { name: 'k-WTA 64x16384 gamma 0.1', reps: 5, inputs: (g) => [randn([64, 16384], g)], run: ([x]) => kWinners(x, 1638) },
];

export interface Contender {
  label: string;
  make(): Backend;
}

export function contenders(modes: GpuJsMode[]): Contender[] {
  const out: Contender[] = [{ label: 'core cpu backend', make: () => new CpuBackend() }];
  for (const mode of modes) {
    out.push({ label: `gpujs ${mode}`, make: () => new GpuJsBackend({ mode, strict: true }) });
    if (mode === 'cpu' || mode === 'webasm') {
      out.push({ label: `gpujs ${mode} (radix kernels)`, make: () => new GpuJsBackend({ mode, selection: 'kernels', strict: true }) });
    }
  }
  return out;
}

export interface Timing {
  workload: string;
  contender: string;
  /** median milliseconds over the repetitions, after one untimed warm-up (compilation) */
  ms: number;
  samples: number[];
}

/** Every workload on every contender, repetitions interleaved across contenders. */
export function runAll(cs: Contender[], workloads = WORKLOADS, now: () => number = () => performance.now()): Timing[] {
  const out: Timing[] = [];
  for (const w of workloads) {
    const setups = cs.map((c) => {
      const backend = c.make();
      const xs = withBackend(backend, () => w.inputs(new Generator(1)).map((t) => t.keep()));
      const once = () => withBackend(backend, () => tidy(() => void w.run(xs).dataSync()));
      once();
      return { c, once, samples: [] as number[], xs, backend };
    });
    for (let r = 0; r < w.reps; r++) {
      for (const s of setups) {
        const t0 = now();
        s.once();
        s.samples.push(now() - t0);
      }
    }
    for (const s of setups) {
      s.xs.forEach((t) => t.dispose());
      const sorted = [...s.samples].sort((a, b) => a - b);
      out.push({ workload: w.name, contender: s.c.label, ms: sorted[Math.floor(sorted.length / 2)], samples: s.samples });
    }
  }
  return out;
}
