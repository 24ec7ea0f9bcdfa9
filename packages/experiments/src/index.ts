export * from './output.js';
export * from './plot.js';
export * from './figure1.js';
export * from './figure1-plot.js';
export * from './paper/index.js';
export * from './runs/index.js';
export * from './jobs/main-job.js';
export { runExperiment, EXPERIMENTS, EPS, DATASET_NAMES, type ExperimentName, type ExperimentOptions, type Scale } from './jobs/index.js';
