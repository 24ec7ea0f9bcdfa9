// Runs the main job in this process (as `kwta reproduce` does) and prints one JSON line with what
// it measured (JobMemory). argv: <settings JSON> <out dir> <backend>
import { runReproduce, useBackend } from '@kwta/cli';
import { WasmBackend, peakMemory, resetPeakMemory } from '@kwta/core';
import { loadDataset, mainJob } from '@kwta/experiments/node';
import type { JobMemory, JobSettings } from './job-settings.js';

const [settingsJson, out, backendName] = process.argv.slice(2);
const settings = JSON.parse(settingsJson) as JobSettings;
const backend = await useBackend(backendName);
const job = mainJob({ ...settings, out });
const datasetBytes = [loadDataset(job.train.dataset, 'train', job.train.trainLimit), loadDataset(job.train.dataset, 'test')]
  .reduce((sum, d) => sum + d.images.byteLength + d.labels.byteLength, 0);
resetPeakMemory();
const started = Date.now();
await runReproduce({ ...settings, out, quiet: true, mode: 'overwrite' });
const result: JobMemory = {
  settings, backend: backend.name, seconds: (Date.now() - started) / 1000,
  peakRssBytes: process.resourceUsage().maxRSS * 1024,
  peakTensorBytes: peakMemory(),
  datasetBytes,
  wasmReservedBytes: backend instanceof WasmBackend ? backend.heapStats().reservedBytes : null,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
