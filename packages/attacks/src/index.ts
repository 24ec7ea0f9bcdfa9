/**
 * @kwta/attacks: adversarial attacks on any classifier (logits out, inputs in [0, 1]) on one
 * attack base, AutoAttack, a registry of every attack, the tensor-level building blocks, and an
 * evaluation harness (per-example worst case, masking and sanity checks, targeted runs,
 * resumable and sharded evaluation). Depends on @kwta/core only; file I/O for evaluation state
 * lives in `@kwta/attacks/node`.
 */
export type { Attack, AttackKind, AttackResult, EnsembleTrace, Labels, LoopPosition, MemberProgress, RunOptions, StepProgress } from './attack.js';
export { BaseAttack, type ThreatOptions, type ThreatRules } from './base.js';
export { AttackState, ThreatViolation, type FloatArray, type Objective } from './state.js';
export { forwardOf, type Classifier, type ForwardFn } from './classifier.js';
export { checkThreat, checkNorm, distance, normOf, NORMS, DUAL_NORM, type Norm, type ThreatModel } from './threat.js';
export { projectRow, projectOnto, projectL1Box, insideThreat } from './blocks/project.js';
export { ascentDirection, L1_SPARSITY } from './blocks/direction.js';
export { randomStartRow, type StartKind } from './blocks/start.js';
export { hyperplaneProjection } from './blocks/hyperplane.js';
export { projectToThreat, randomStart, steepestStep } from './blocks/tensor.js';
export { runIterative, type Evaluation, type Oracle, type StepRule, type LoopConfig, type Row } from './iterative.js';
export { fixedStep, type FixedStepOptions } from './rules/fixed.js';
export { apgdRule, apgdCheckpoints, type ApgdRuleOptions, type ApgdStepRule } from './rules/apgd.js';
export { gradientOracle, lossGradient, marginGradients, type LossGradient, type OracleOptions } from './gradient.js';
export { attackObjective, crossEntropyRows, ATTACK_LOSSES, type AttackLoss } from './losses.js';
export { mixSeed, hashString } from './seeds.js';
export { DEFAULT_MEMORY_BUDGET, ChunkedCalls, rowsWithin, bytesOf, type PackedRows, type ChunkCompute } from './memory.js';
export { FGSM, type FgsmConfig } from './attacks/fgsm.js';
export { PGD, MIM, type PgdConfig, type MimConfig } from './attacks/pgd.js';
export { CarliniWagnerL2, type CwConfig } from './attacks/cw.js';
export { DeepFool, type DeepFoolConfig } from './attacks/deepfool.js';
export { TransferAttack } from './attacks/transfer.js';
export { EstimatedGradientPGD, samplesAt, type EstimatedGradientConfig, type SampleSchedule } from './attacks/estimated-gradient.js';
export { BPDA, straightThrough, kwtaSmooth, kwtaStraightThrough, sigmoidGate, type BpdaConfig, type KwtaSurrogateOptions } from './attacks/bpda.js';
export { SquareAttack, squareFraction, type SquareConfig } from './attacks/square.js';
export { APGD, APGDT, type ApgdConfig, type ApgdTargetedConfig } from './attacks/apgd.js';
export { FAB, FABT, type FabConfig, type FabTargetedConfig } from './attacks/fab.js';
export { AutoAttack, autoAttack, autoAttackMembers, AUTOATTACK_VERSIONS, type AutoAttackConfig, type AutoAttackVersion } from './attacks/autoattack.js';
export { PAPER_EPS, paperPGD, paperAttacks, kwtaAdaptive, KWTA_ADAPTIVE_REFERENCE_EPS, type PaperDataset, type KwtaAdaptiveConfig } from './presets.js';
export { ATTACKS, ATTACK_NAMES, makeAttack, buildAttack, isAttackName, type AttackName, type AttackOptions, type AttackSettings, type RegistryEntry, type QuickModels, type TransferConfig } from './registry.js';
export { evaluate, runEvaluation, type EvaluateOptions } from './harness/evaluate.js';
export { reportOf } from './harness/report-of.js';
export { mergeStates, shardRange, parseShard, checkResumable, type EvaluationState, type UnitRecord, type CleanRecord, type Shard } from './harness/eval-state.js';
export { planUnits, coveringEps, type CheckOptions, type PlannedUnit } from './harness/plan.js';
export { topTargets, targetName, chooseTargets, type TargetSpec } from './harness/targets.js';
export type { AttackSummary, AttackFailure, Check, CheckName, EnsembleLogEntry, EvaluationReport, FinalCheck, MaskingCheck, MaskingCheckName, Progress, SanityCheck, SanityCheckName } from './harness/report.js';
