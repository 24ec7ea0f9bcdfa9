export { loadDataset, DATASET_HELP } from './datasets.js';
export { silentProgress, type Progress, type ProgressFactory } from './progress.js';
export { loadRun, saveRun, modelSpecOf, MODEL_FILE, CONFIG_FILE, type RunConfig } from './run-dir.js';
export { runTrain, type TrainRunOptions, type TrainSummary } from './train-run.js';
