export { loadDataset, DATASET_HELP } from './datasets.js';
export { silentProgress, type Progress, type ProgressFactory } from './progress.js';
export { loadRun, saveRun, readRunConfig, modelSpecOf, MODEL_FILE, CONFIG_FILE, RUN_FILES, type RunConfig } from './run-dir.js';
export { definitionOf, differences, DEFINITION_NAMES, type RunDefinition } from './definition.js';
export { openRun, type RunMode } from './open-run.js';
export { runTrain, type TrainRunOptions, type TrainSummary } from './train-run.js';
