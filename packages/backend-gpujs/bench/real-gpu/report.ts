// What bench/real-gpu.sh measures on a machine with a GPU, in one GL mode: the device, both test
// suites with the worst error per kernel, exact k-WTA winners, the suite under a forced small
// texture (split launches on real hardware), then the benchmarks against the core wasm
// backend on the same machine's CPU. Runs in Node (headless-gl) and in Chromium alike.
import { Generator, WasmBackend, conv2d, kWinners, matmul, randn, relu, tensor, tidy, type Backend, type Tensor } from '@kwta/core';
import { withBackend } from '@kwta/core/testing';
import { KWTA, crossEntropy, mnistCnn } from '@kwta/nn';
import { SGD } from '@kwta/optim';
import { GpuJsBackend, tolerances, type Capabilities, type GpuJsMode } from '../../src/index.js';
import { runSuites, selectionChecks, type SelectionCheck, type SuiteReport } from '../../test/suites.js';

export interface Timing {
  name: string;
  /** Floating-point operations of one call (0 where not counted). */
  flops: number;
  gpuMs: number;
  wasmMs: number;
  /** wasm time / gpu time: how many times faster the GPU is. */
  speedup: number;
  /** First (compiling) call on the GPU. */
  gpuFirstMs: number;
  gpuSamples: number[];
  wasmSamples: number[];
}

export interface RealGpuReport {
  mode: GpuJsMode;
  date: string;
  quick: boolean;
  capabilities: Capabilities & { textureCapacity: number; denormals: string };
  /** Does the renderer look like a real GPU (not llvmpipe, SwiftShader, softpipe)? */
  hardware: boolean;
  wasmThreads: number;
  suites?: SuiteReport;
  selection?: SelectionCheck[];
  /** The conformance suite with the texture side forced to 12: every launch cut, on this device. */
  limited?: { side: number; report: SuiteReport; cutLaunches: number };
  benchmarks: Timing[];
  /** Sections that threw or were skipped for time, with why. */
  notes: string[];
  ms: number;
}

const SOFTWARE = /llvmpipe|softpipe|swiftshader|software|mesa offscreen/i;

interface Workload {
  name: string;
  flops: number;
  /** Build inputs (and model) on the active backend; `run` is timed, its output read back. */
  setup(): { run(): Tensor; dispose(): void };
}

const GAMMA = 0.1;

/** One MNIST CNN (kWTA repository) SGD step with k-WTA activations on the active backend. */
function mnistStep(hidden: number, batch: number): Workload['setup'] {
  return () => {
    const model = mnistCnn({ gen: new Generator(7), hiddenSize: hidden, activation: () => new KWTA({ gamma: GAMMA }) });
    const opt = new SGD(model.parameters(), { lr: 0.01 });
    const g = new Generator(8);
    const x = randn([batch, 1, 28, 28], g).keep();
    const labels = tensor(Int32Array.from({ length: batch }, () => g.int(10)), [batch], 'int32').keep();
    return {
      run: () => {
        opt.zeroGrad();
        const loss = crossEntropy(model.forward(x), labels);
        loss.backward();
        opt.step();
        return loss;
      },
      dispose: () => {
        opt.zeroGrad();
        model.dispose();
        x.dispose();
        labels.dispose();
      },
    };
  };
}

/** Forward and backward work of that step (3x forward, less the first convolution's input gradient). */
function stepFlops(hidden: number, batch: number): number {
  const conv = (cin: number, cout: number, side: number) => 2 * batch * cout * side * side * cin * 9;
  const first = conv(1, 32, 28);
  const forward = first + conv(32, 32, 14) + conv(32, 64, 14) + conv(64, 64, 7) + 2 * batch * (7 * 7 * 64 * hidden + hidden * 10);
  return 3 * forward - first;
}

function inputsOf(shapes: number[][], run: (xs: Tensor[]) => Tensor): Workload['setup'] {
  return () => {
    const g = new Generator(1);
    const xs = shapes.map((s) => randn(s, g).keep());
    return { run: () => run(xs), dispose: () => xs.forEach((t) => t.dispose()) };
  };
}

/** The MNIST CNN's four 3x3 convolutions (padding 1) at batch 64. */
const CONVS: [string, number, number, number, number][] = [['conv1 1->32 28x28', 1, 32, 28, 1], ['conv2 32->32 28x28 s2', 32, 32, 28, 2], ['conv3 32->64 14x14', 32, 64, 14, 1], ['conv4 64->64 14x14 s2', 64, 64, 14, 2]];

export function workloads(quick: boolean): Workload[] {
  const mm = (n: number): Workload => ({ name: `matmul ${n}x${n} @ ${n}x${n}`, flops: 2 * n ** 3, setup: inputsOf([[n, n], [n, n]], ([a, b]) => matmul(a, b)) });
  // Four products back to back, one read: the products' own speed, the read-back amortized.
  const chain = (n: number): Workload => ({
    name: `matmul ${n}x${n} @ ${n}x${n}, 4 chained, one read`, flops: 8 * n ** 3,
    setup: inputsOf([[n, n], [n, n]], ([a, b]) => matmul(matmul(matmul(matmul(a, b), b), b), b)),
  });
  const kwtaShape = quick ? [8, 16384] : [64, 16384];
  return [
    ...(quick ? [mm(128), chain(128)] : [mm(1024), mm(2048), chain(2048)]),
    ...CONVS.map(([name, cin, cout, side, stride]): Workload => {
      const out = Math.floor((side - 1) / stride) + 1;
      const batch = quick ? 4 : 64;
      return { name: `conv2d MNIST ${name} batch ${batch}`, flops: 2 * batch * cout * out * out * cin * 9, setup: inputsOf([[batch, cin, side, side], [cout, cin, 3, 3]], ([x, w]) => conv2d(x, w, { padding: 1, stride })) };
    }),
    { name: `relu [${kwtaShape}]`, flops: 0, setup: inputsOf([kwtaShape], ([x]) => relu(x)) },
    { name: `k-WTA [${kwtaShape}] gamma 0.1`, flops: 0, setup: inputsOf([kwtaShape], ([x]) => kWinners(x, Math.round(GAMMA * kwtaShape[1]))) },
    ...(quick ? [16] : [1024, 20000]).map((h): Workload => {
      const batch = quick ? 4 : 64;
      return { name: `MNIST CNN k-WTA training step, hidden ${h}, batch ${batch}`, flops: stepFlops(h, batch), setup: mnistStep(h, batch) };
    }),
  ];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Time one workload on both backends, calls interleaved, until `reps` each or the time budget is spent. */
function timeBoth(w: Workload, gpu: Backend, wasm: Backend, reps: number, budgetMs: number): Timing {
  const sides = [gpu, wasm].map((b) => {
    const ready = withBackend(b, () => w.setup());
    const once = () => {
      const t0 = performance.now();
      withBackend(b, () => tidy(() => void ready.run().dataSync()));
      return performance.now() - t0;
    };
    return { b, ready, once, samples: [] as number[], first: once() };
  });
  const start = performance.now();
  for (let r = 0; r < reps && (r < 1 || performance.now() - start < budgetMs); r++) for (const s of sides) s.samples.push(s.once());
  sides.forEach((s) => withBackend(s.b, () => s.ready.dispose()));
  const [g, c] = sides;
  return {
    name: w.name, flops: w.flops, gpuMs: median(g.samples), wasmMs: median(c.samples), speedup: median(c.samples) / median(g.samples),
    gpuFirstMs: g.first, gpuSamples: g.samples, wasmSamples: c.samples,
  };
}

export interface ReportOptions {
  mode: GpuJsMode;
  quick?: boolean;
  /** Stop starting new sections after this many ms (the device call has a hard limit). */
  deadlineMs?: number;
  log?: (line: string) => void;
  /** Called with the report so far after every section, so a run killed at the device's limit keeps what it measured. */
  onSection?: (report: RealGpuReport) => void;
}

/** Everything, section by section; a section that throws is noted and the rest still runs. */
export async function realGpuReport(opts: ReportOptions): Promise<RealGpuReport> {
  const t0 = performance.now();
  const quick = opts.quick ?? false;
  const deadline = t0 + (opts.deadlineMs ?? Infinity);
  const log = opts.log ?? (() => {});
  const gpu = new GpuJsBackend({ mode: opts.mode, selection: 'kernels', strict: true });
  const wasm = new WasmBackend();
  await wasm.ready;
  const caps = gpu.capabilities;
  const report: RealGpuReport = {
    mode: opts.mode, date: new Date().toISOString(), quick, capabilities: caps, hardware: !SOFTWARE.test(caps.renderer),
    wasmThreads: wasm.threads, benchmarks: [], notes: [], ms: 0,
  };
  log(`device: ${caps.renderer} | ${caps.vendor} | ${caps.version} | max texture ${caps.maxTextureSize} | denormals ${caps.denormals}`);
  const section = (name: string, f: () => void) => {
    if (performance.now() > deadline) report.notes.push(`${name}: skipped, past the deadline`);
    else {
      const s0 = performance.now();
      try {
        f();
      } catch (e) {
        report.notes.push(`${name}: threw ${(e as Error).message.split('\n')[0]}`);
      }
      log(`${name}: ${((performance.now() - s0) / 1000).toFixed(1)} s`);
    }
    report.ms = performance.now() - t0;
    opts.onSection?.(report);
  };
  section('suites', () => (report.suites = runSuites(gpu, tolerances[opts.mode], quick ? [1] : [1, 2], quick ? [1] : [1, 2, 3])));
  section('selection', () => (report.selection = selectionChecks(gpu, quick ? 4 : 64)));
  for (const w of workloads(quick)) section(`bench ${w.name}`, () => report.benchmarks.push(timeBoth(w, gpu, wasm, quick ? 2 : 5, quick ? 2_000 : 15_000)));
  section('forced texture side 12', () => {
    const limited = new GpuJsBackend({ mode: opts.mode, selection: 'kernels', strict: true, maxTextureSize: 12 });
    report.limited = { side: 12, report: runSuites(limited, tolerances[opts.mode], [1], []), cutLaunches: limited.cutLaunches };
  });
  report.ms = performance.now() - t0;
  return report;
}
