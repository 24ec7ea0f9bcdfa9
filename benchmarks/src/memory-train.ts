import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Generator, WasmBackend, memory, setBackend, setSparsePath, tensor, tidy, type SparsePathMode } from '@kwta/core';
import { KWTA, crossEntropy, mnistCnn } from '@kwta/nn';
import { writeFileAtomic } from '@kwta/nn/node';
import { SGD } from '@kwta/optim';
import { machineInfo } from './harness/machine.js';
import { choiceOption, positiveIntOption, runScript } from './harness/script.js';

/**
 * Issue 14's memory target: training the paper's MNIST CNN with k-WTA everywhere at hidden 20000
 * (batch 64, SGD momentum 0.9, wasm backend, 2 threads) for 200 steps, the process's peak
 * resident set stays within 2x the bytes of its live tensors, and neither grows. Live tensor
 * bytes are the backend's (`memory().numBytes`) after each step: fc1's weight, gradient and
 * momentum (3 x 251 MB) and the small rest. The peak is the kernel's high-water mark (VmHWM),
 * so nothing between two samples is missed. A benchmark, not a unit test: it needs ~1.5 GB and
 * a minute or two.
 */

const USAGE = `usage: node --expose-gc dist/memory-train.js [--steps N] [--hidden N] [--sparse-path auto|off|always] [--out DIR]`;

/** A field of /proc/self/status in bytes (Linux), or null. */
function procStatus(field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

const MB = (b: number) => (b / 2 ** 20).toFixed(1);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string', default: '200' },
      hidden: { type: 'string', default: '20000' },
      'sparse-path': { type: 'string', default: 'auto' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const steps = positiveIntOption('steps', values.steps), hidden = positiveIntOption('hidden', values.hidden);
  const mode = choiceOption<SparsePathMode>('sparse-path', values['sparse-path'], ['auto', 'off', 'always']);
  const backend = new WasmBackend({ threads: 2 });
  setBackend(backend);
  setSparsePath(mode);
  await backend.ready;

  const gen = new Generator(7);
  const model = mnistCnn({ gen, hiddenSize: hidden, activation: () => new KWTA({ gamma: 0.1 }) });
  const optimizer = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  // Four batches in turn (new tensors every step, as a loader makes them).
  const batches = Array.from({ length: 4 }, () => ({
    x: Float32Array.from({ length: 64 * 784 }, () => gen.normal()),
    y: Int32Array.from({ length: 64 }, () => gen.int(10)),
  }));
  const samples: { step: number; ms: number; liveBytes: number; rss: number; heapReserved: number; jsHeap: number }[] = [];
  for (let step = 1; step <= steps; step++) {
    const t0 = performance.now();
    const b = batches[step % batches.length];
    optimizer.zeroGrad();
    tidy(() => {
      const loss = crossEntropy(model.forward(tensor(b.x, [64, 1, 28, 28])), tensor(b.y, [64], 'int32'));
      loss.backward();
    });
    optimizer.step();
    const ms = performance.now() - t0;
    samples.push({
      step, ms, liveBytes: memory().numBytes, rss: procStatus('VmRSS') ?? process.memoryUsage().rss,
      heapReserved: backend.heapStats().reservedBytes, jsHeap: process.memoryUsage().heapUsed,
    });
    if (step % 20 === 0 || step === 1) {
      const s = samples[samples.length - 1];
      console.log(`step ${String(step).padStart(3)}: ${ms.toFixed(0)} ms, live tensors ${MB(s.liveBytes)} MB, RSS ${MB(s.rss)} MB, wasm heap ${MB(s.heapReserved)} MB, JS heap ${MB(s.jsHeap)} MB`);
    }
  }
  const peakRss = procStatus('VmHWM') ?? Math.max(...samples.map((s) => s.rss));
  const live = Math.max(...samples.map((s) => s.liveBytes));
  const after = samples.slice(Math.min(10, samples.length - 1));
  const secondHalf = samples.slice(Math.floor(samples.length / 2));
  const growth = (from: typeof samples, key: 'rss' | 'liveBytes' | 'heapReserved') => Math.max(...from.map((s) => s[key])) - from[0][key];
  const result = {
    suite: 'memory-train', date: new Date().toISOString(), machine: machineInfo(),
    settings: { steps, hidden, batch: 64, gamma: 0.1, momentum: 0.9, sparsePath: mode, threads: backend.threads },
    liveTensorBytes: live, peakRssBytes: peakRss, ratio: peakRss / live,
    growthAfterStep10: { rss: growth(after, 'rss'), liveBytes: growth(after, 'liveBytes'), heapReserved: growth(after, 'heapReserved') },
    rssGrowthSecondHalf: growth(secondHalf, 'rss'),
    medianStepMs: [...samples.map((s) => s.ms)].sort((a, b) => a - b)[Math.floor(samples.length / 2)],
    samples,
  };
  // Flat: tensors and the wasm heap do not move after the first steps; the process's RSS (V8's
  // heap and code settling in) grows by less than 1 % of the peak over the second half.
  const flat = result.growthAfterStep10.liveBytes === 0 && result.growthAfterStep10.heapReserved === 0 && result.rssGrowthSecondHalf < 0.01 * peakRss;
  console.log(`\npeak RSS ${MB(peakRss)} MB = ${result.ratio.toFixed(2)}x the live tensors' ${MB(live)} MB (target <= 2x: ${result.ratio <= 2 ? 'met' : 'MISSED'})`);
  console.log(`after step 10: live tensors grew ${MB(result.growthAfterStep10.liveBytes)} MB, wasm heap ${MB(result.growthAfterStep10.heapReserved)} MB, RSS ${MB(result.growthAfterStep10.rss)} MB (${MB(result.rssGrowthSecondHalf)} MB over the second half; flat: ${flat ? 'yes' : 'NO'}); median step ${result.medianStepMs.toFixed(0)} ms`);
  console.log(`load average ${result.machine.loadAverage.join(' ')}`);
  if (values.out) {
    const file = path.join(values.out, 'memory-train.json');
    writeFileAtomic(file, `${JSON.stringify(result, null, 2)}\n`); // never a half-written results file
    console.log(`wrote ${file}`);
  }
  optimizer.dispose();
  model.dispose();
  backend.dispose();
  return result.ratio <= 2 && flat ? 0 : 1;
}

runScript(main, USAGE);
