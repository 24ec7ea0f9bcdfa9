// Runs the main job in this process (as `kwta reproduce` does) and prints one JSON line with what
// it measured (JobMemory). argv: <settings JSON> <out dir> <backend>
import { useBackend } from '@kwta/cli';
import { WasmBackend, peakMemory, resetPeakMemory } from '@kwta/core';
import { loadDataset, mainJob, runStudy } from '@kwta/experiments/node';
import type { JobMemory, JobSettings } from './job-settings.js';

const [settingsJson, out, backendName] = process.argv.slice(2);
const settings = JSON.parse(settingsJson) as JobSettings;
const backend = await useBackend(backendName);
const job = mainJob({ full: settings.full, seed: settings.seed, out });
const { hidden, epochs, trainLimit, examples } = settings;
const study = {
  ...job.settings,
  ...(hidden === undefined ? {} : { hidden, widths: job.settings.widths.length ? [hidden] : [] }),
  ...(epochs === undefined ? {} : { epochs, milestones: job.settings.milestones.filter((m) => m < epochs) }),
  ...(trainLimit === undefined ? {} : { trainLimit }),
  ...(examples === undefined ? {} : { pgdExamples: examples, strongExamples: examples }),
};
const datasetBytes = [loadDataset(study.dataset, 'train', study.trainLimit), loadDataset(study.dataset, 'test')]
  .reduce((sum, d) => sum + d.images.byteLength + d.labels.byteLength, 0);
resetPeakMemory();
const started = Date.now();
await runStudy({ out: job.out, settings: study, reportDir: job.reportDir, command: 'kwta reproduce (memory measurement)' });
const result: JobMemory = {
  settings,
  study: { hidden: study.hidden, epochs: study.epochs, trainLimit: study.trainLimit, pgdExamples: study.pgdExamples, strongExamples: study.strongExamples },
  backend: backend.name, seconds: (Date.now() - started) / 1000,
  peakRssBytes: process.resourceUsage().maxRSS * 1024,
  peakTensorBytes: peakMemory(),
  datasetBytes,
  wasmReservedBytes: backend instanceof WasmBackend ? backend.heapStats().reservedBytes : null,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
