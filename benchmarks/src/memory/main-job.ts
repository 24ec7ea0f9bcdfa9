// The main job's memory: peak RSS against its largest live tensor bytes plus its datasets
// (issue 20's goal: within 2x). Runs the job in a child process so the RSS is the job's alone.
// Takes the job's settings, so it can be rerun when the job changes:
//   node dist/memory/main-job.js [--full] [--hidden N] [--epochs N] [--train-limit N] [--examples N]
//                         [--seed N] [--backend wasm|js] [--out DIR]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmtBytes } from '@kwta/core';
import { writeFileAtomic } from '@kwta/nn/node';
import type { JobMemory, JobSettings } from './job-settings.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    hidden: { type: 'string' }, epochs: { type: 'string' }, 'train-limit': { type: 'string' }, examples: { type: 'string' },
    seed: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'wasm' }, out: { type: 'string' },
  },
});
const int = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const settings: JobSettings = {
  full: values.full ?? false, seed: Number(values.seed), hidden: int(values.hidden), epochs: int(values.epochs),
  trainLimit: int(values['train-limit']), examples: int(values.examples),
};

/** Measure the job once; the result with the ratio the goal is about. */
export function measure(s: JobSettings, backend: string): JobMemory & { ratio: number } {
  const work = mkdtempSync(path.join(tmpdir(), 'kwta-job-memory-'));
  try {
    const line = execFileSync(process.execPath, [path.join(here, 'job-child.js'), JSON.stringify(s), work, backend], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const m = JSON.parse(line.trim().split('\n').at(-1)!) as JobMemory;
    return { ...m, ratio: m.peakRssBytes / (m.peakTensorBytes + m.datasetBytes) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const m = measure(settings, values.backend ?? 'wasm');
  const lines = [
    `main job ${JSON.stringify(m.settings)} (hidden ${m.study.hidden}, ${m.study.epochs} epochs on ${m.study.trainLimit ?? 'all'} digits, attacks on ${m.study.strongExamples}) on the ${m.backend} backend, ${m.seconds.toFixed(0)} s (${cpus().length} cores, ${fmtBytes(totalmem())})`,
    `peak RSS                   ${fmtBytes(m.peakRssBytes)}`,
    `peak live tensor bytes     ${fmtBytes(m.peakTensorBytes)}`,
    `datasets                   ${fmtBytes(m.datasetBytes)}`,
    `wasm heap high-water mark  ${m.wasmReservedBytes === null ? '-' : fmtBytes(m.wasmReservedBytes)}`,
    `peak RSS / (tensors + datasets) = ${m.ratio.toFixed(2)} (goal: at most 2)`,
  ];
  console.log(lines.join('\n'));
  if (values.out) writeFileAtomic(path.join(values.out, 'main-job-memory.json'), `${JSON.stringify({ ...m, machine: { cores: cpus().length, totalMemory: totalmem() } }, null, 2)}\n`);
}
