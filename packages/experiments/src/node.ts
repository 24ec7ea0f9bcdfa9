/**
 * @kwta/experiments/node: what runs the experiments on a machine with files (Node's fs): the
 * writers of JSON and SVG results, training runs and their run directories, dataset loading by
 * name, and the experiment jobs and main job the CLI wires. Everything else (the paper's figures
 * and tables as functions, their Vega-Lite charts, rendering) is in the default entry.
 */
export { writeJson, writeSvg } from './files.js';
export * from './runs/index.js';
export * from './jobs/main-job.js';
export { runExperiment, EXPERIMENTS, EPS, DATASET_NAMES, type ExperimentName, type ExperimentOptions, type Scale } from './jobs/index.js';
export * from './paper-scale/index.js';
