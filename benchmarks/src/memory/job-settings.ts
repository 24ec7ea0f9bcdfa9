import type { MainJobOptions, PaperScaleSettings } from '@kwta/experiments/node';

/**
 * The main job's settings this measurement takes: `kwta reproduce`'s (full, seed) and, for
 * smaller runs, overrides of the study preset it runs (examples: the held-out digits of every
 * attack).
 */
export type JobSettings = Pick<MainJobOptions, 'full' | 'seed'> & { hidden?: number; epochs?: number; trainLimit?: number; examples?: number };

/** The study settings the job really ran: the preset's, after the overrides (so the width is on record). */
export type JobStudy = Pick<PaperScaleSettings, 'hidden' | 'epochs' | 'trainLimit' | 'pgdExamples' | 'strongExamples'>;

/** What the child process measured while running the job. */
export interface JobMemory {
  settings: JobSettings;
  study: JobStudy;
  backend: string;
  seconds: number;
  /** Peak resident set size of the whole process (process.resourceUsage().maxRSS). */
  peakRssBytes: number;
  /** Most tensor bytes the backend held at once (@kwta/core's peakMemory). */
  peakTensorBytes: number;
  /** The datasets the job holds: train (with its limit) and test images and labels. */
  datasetBytes: number;
  /** The wasm heap's high-water mark (memory a wasm instance never gives back), if on wasm. */
  wasmReservedBytes: number | null;
}
