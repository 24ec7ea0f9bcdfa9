// Bundled by test/wasm-browser.test.ts and loaded into Chromium, both on a page's main thread and
// inside a dedicated Worker: the wasm backend with a Web Worker pool, checked against the CPU
// backend and the definitions. Reports through window.__kwta (page) or postMessage (worker).
import { CpuBackend, Generator, conv2d, matmul, randn, tidy } from '../../src/index.js';
import { WasmBackend } from '../../src/backends/wasm/index.js';
import { wasmContext } from '../../src/internal.js';
import { FLOAT32_TOLERANCE, checkCase, conformanceCases, withBackend } from '../../src/testing/index.js';

export interface ScenarioReport {
  where: 'main' | 'worker';
  isolated: boolean;
  threads: number;
  /** Worker tasks during a dispatch made before the workers could start (must not hang). */
  earlyWorkerTasks: number;
  earlyError: number;
  joined: number;
  cases: number;
  failures: string[];
  workerTasks: number;
  matmulError: number;
  convError: number;
  /** ms per 512 matmul: pool vs one thread, measured side by side */
  ms512: { pool: number; single: number };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function matmulOn(b: WasmBackend | CpuBackend, n: number, seed: number): Float32Array {
  return withBackend(b, () => tidy(() => matmul(randn([n, n], new Generator(seed)), randn([n, n], new Generator(seed + 1))).dataSync() as Float32Array));
}

function convOn(b: WasmBackend | CpuBackend): Float32Array {
  return withBackend(b, () => tidy(() => conv2d(randn([8, 16, 14, 14], new Generator(5)), randn([32, 16, 3, 3], new Generator(6)), { padding: 1 }).dataSync() as Float32Array));
}

/** ms per product of two fixed 512 x 512 matrices (inputs made once, outside the clock). */
function timeMatmul(b: WasmBackend, reps: number): number {
  return withBackend(b, () => tidy(() => {
    const x = randn([512, 512], new Generator(7)), y = randn([512, 512], new Generator(8));
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) tidy(() => matmul(x, y).dataSync());
    return (performance.now() - t0) / reps;
  }));
}

async function scenario(where: 'main' | 'worker'): Promise<ScenarioReport> {
  const reference = new CpuBackend();
  // Four threads whatever the machine reports, so the pool is real even on one core.
  const backend = new WasmBackend({ threads: 4, minParallelFlops: 0 });
  const rt = wasmContext(backend).rt;
  // Dispatch at once: in a browser the workers start only after this thread yields, so the
  // runtime must go on without them instead of waiting for them.
  const earlyError = maxAbsDiff(matmulOn(backend, 96, 1), matmulOn(reference, 96, 1));
  const earlyWorkerTasks = rt.workerTasks;
  const joined = await backend.ready;
  const failures: string[] = [];
  const cases = conformanceCases();
  for (const c of cases) {
    try {
      const err = withBackend(backend, () => checkCase(c, 1, FLOAT32_TOLERANCE));
      if (err) failures.push(err);
    } catch (e) {
      failures.push(`${c.name}: threw ${String(e).split('\n')[0]}`);
    }
  }
  const matmulError = maxAbsDiff(matmulOn(backend, 200, 3), matmulOn(reference, 200, 3)) / 200;
  const convError = maxAbsDiff(convOn(backend), convOn(reference));
  // The caller never waits for a sleeping worker: on a busy machine it may run whole kernels
  // alone, but over repeated kernels the workers must take a share.
  for (let i = 0; i < 200 && rt.workerTasks === 0 && backend.threads > 1; i++) matmulOn(backend, 160, 9);
  const workerTasks = rt.workerTasks;
  const single = new WasmBackend({ threads: 1 });
  const pool = new WasmBackend({ threads: 2 });
  await pool.ready;
  // Warm up long enough for the wasm code to tier up from the baseline compiler.
  timeMatmul(pool, 20);
  timeMatmul(single, 20);
  const ms512 = { pool: 0, single: 0 };
  for (let round = 0; round < 3; round++) {
    ms512.pool += timeMatmul(pool, 3) / 3;
    ms512.single += timeMatmul(single, 3) / 3;
  }
  pool.dispose();
  backend.dispose();
  return {
    where, isolated: globalThis.crossOriginIsolated === true, threads: backend.threads, earlyWorkerTasks, earlyError,
    joined, cases: cases.length, failures, workerTasks, matmulError, convError, ms512,
  };
}

const isWindow = typeof window !== 'undefined';
if (isWindow) {
  const w = window as unknown as { __kwta: { done: boolean; main?: ScenarioReport; worker?: ScenarioReport; error?: string } };
  w.__kwta = { done: false };
  // The Worker's scenario starts after the page's, so their timings do not share the cores.
  const inWorker = () => new Promise<ScenarioReport>((resolve, reject) => {
    const worker = new Worker('/bundle.js');
    worker.onmessage = (e: MessageEvent<{ report?: ScenarioReport; error?: string }>) => (e.data.report ? resolve(e.data.report) : reject(new Error(e.data.error)));
    worker.onerror = (e) => reject(new Error(`worker: ${e.message}`));
  });
  window.addEventListener('load', () => setTimeout(() => {
    scenario('main')
      .then(async (main) => ({ main, worker: await inWorker() }))
      .then((r) => { w.__kwta = { done: true, ...r }; })
      .catch((e: Error) => { w.__kwta = { done: true, error: String(e.stack ?? e) }; });
  }, 0));
} else {
  const post = (m: unknown) => (self as unknown as { postMessage(m: unknown): void }).postMessage(m);
  scenario('worker').then((report) => post({ report }), (e: Error) => post({ error: String(e.stack ?? e) }));
}
