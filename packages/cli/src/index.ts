/** @kwta/cli as a library: the commands behind the `kwta` binary, callable from code. */
export { runTrain, type TrainCommandOptions, type TrainSummary } from './commands/train.js';
export { runEval, formatEvalTable, type EvalCommandOptions, type EvalSummary } from './commands/eval.js';
export { runReport, verdicts, readEval } from './commands/report.js';
export { runReproduce, type ReproduceOptions } from './commands/reproduce.js';
export { benchActivations, benchTrainingStep, formatBench, formatProfile, profileTrainingStep, ACTIVATION_SHAPES, type BenchRow } from './commands/bench.js';
export { buildAttacks, ATTACK_NAMES, DEFAULT_ATTACK_SETTINGS, type AttackSettings } from './attacks.js';
export { CliError, parseActivation, activationFactory, activationLabel, buildModel, loadDataset, MODELS, type ActivationSpec, type ModelSpec } from './spec.js';
export { loadRun, saveRun, type RunConfig } from './run-dir.js';
export { useBackend, BACKENDS, type BackendName } from './backend-choice.js';
export { runExperiment, EXPERIMENTS, type ExperimentName, type ExperimentOptions } from './commands/experiment/index.js';
