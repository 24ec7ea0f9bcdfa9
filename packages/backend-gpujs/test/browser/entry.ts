// Bundled by test/browser.test.ts and loaded into Chromium: runs the core conformance suite and a
// few training steps on the webgl2 mode, and reports back through window.__kwta.
import { CpuBackend, Generator, memory, randn, setBackend, tidy, topkMask } from '@kwta/core';
import { checkAgainstReference, conformanceCases, makeTrainer, withBackend } from '@kwta/core/testing';
import { GpuJsBackend, availableModes, tolerances } from '../../src/index.js';

interface Report {
  available: string[];
  mode: string;
  fallbacks: readonly string[];
  cases: number;
  failures: string[];
  losses: number[];
  liveBefore: { tensors: number; textures: number };
  liveAfter: { tensors: number; textures: number };
  compiledKernels: number;
  ms: number;
}

function run(): Report {
  const t0 = performance.now();
  const available = availableModes();
  const backend = new GpuJsBackend({ mode: 'webgl2', strict: true });
  const reference = new CpuBackend();
  const failures: string[] = [];
  const cases = conformanceCases();
  for (const c of cases) {
    try {
      const err = checkAgainstReference(c, 1, backend, reference, tolerances.webgl2);
      if (err) failures.push(err);
    } catch (e) {
      failures.push(`${c.name}: threw ${(e as Error).message.split('\n')[0]}`);
    }
  }
  // A k-WTA-sized selection (rows of 16384, 128 chunks, large textures) must match the CPU exactly.
  const bigMask = (b: CpuBackend | GpuJsBackend) => withBackend(b, () => tidy(() => Array.from(topkMask(randn([16, 16384], new Generator(3)), 1638).dataSync())));
  const big = bigMask(backend), bigRef = bigMask(reference);
  if (big.some((v, i) => v !== bigRef[i])) failures.push('topkMask [16, 16384] k=1638 differs from the CPU backend');
  setBackend(backend);
  const trainer = makeTrainer();
  const losses = [trainer.step()];
  const live = () => ({ tensors: memory().numTensors, textures: backend.liveTextures });
  const liveBefore = live();
  for (let i = 0; i < 19; i++) losses.push(trainer.step());
  const liveAfter = live();
  trainer.dispose();
  return {
    available, mode: backend.mode, fallbacks: backend.fallbacks, cases: cases.length, failures, losses,
    liveBefore, liveAfter, compiledKernels: backend.compiledKernels, ms: performance.now() - t0,
  };
}

const w = window as unknown as { __kwta: { done: boolean; report?: Report; error?: string } };
w.__kwta = { done: false };
// Start after load so the page has settled before the main thread is busy for a while.
window.addEventListener('load', () => setTimeout(() => {
  try {
    w.__kwta = { done: true, report: run() };
  } catch (e) {
    w.__kwta = { done: true, error: String((e as Error).stack ?? e) };
  }
}, 0));
