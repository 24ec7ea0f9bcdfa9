/** @kwta/cli as a library: the commands behind the `kwta` binary, callable from code. */
export { runEval, evalOutput, isShard, type EvalCommandOptions, type EvalSettings, type EvalSummary, type ShardSummary } from './commands/eval.js';
export { formatEvalTable } from './commands/eval-table.js';
export { runReport, verdicts, readEval, joinShards } from './commands/report.js';
export { runReproduce, type ReproduceOptions } from './commands/reproduce.js';
export { benchActivations, benchTrainingStep, firstMnistBatch, formatBench, formatProfile, profileTrainingStep, ACTIVATION_SHAPES, BENCH_HIDDEN, type BenchRow } from './commands/bench.js';
export { buildAttacks, attackList, parseTargets, ATTACK_CHOICES, DEFAULT_ATTACK_SETTINGS, type CliAttackSettings } from './attacks.js';
export { CliError, parseNumber, parsePositiveInt, parseSeed } from './spec.js';
export { runCli, describeFailure } from './run-cli.js';
export { buildProgram, type CliOutput } from './program.js';
export { progressBar, progressBars, type Bar } from './progress.js';
export { useBackend, BACKENDS, type BackendName } from './backend-choice.js';
export type { WeightsSpec } from './weights.js';
