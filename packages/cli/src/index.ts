/** @kwta/cli as a library: the commands behind the `kwta` binary, callable from code. */
export { runEval, formatEvalTable, type EvalCommandOptions, type EvalSummary } from './commands/eval.js';
export { runReport, verdicts, readEval } from './commands/report.js';
export { runReproduce, type ReproduceOptions } from './commands/reproduce.js';
export { benchActivations, benchTrainingStep, formatBench, formatProfile, profileTrainingStep, ACTIVATION_SHAPES, type BenchRow } from './commands/bench.js';
export { buildAttacks, ATTACK_NAMES, DEFAULT_ATTACK_SETTINGS, type AttackSettings } from './attacks.js';
export { CliError, parseNumber, parsePositiveInt } from './spec.js';
export { progressBar, progressBars, type Bar } from './progress.js';
export { useBackend, BACKENDS, type BackendName } from './backend-choice.js';
