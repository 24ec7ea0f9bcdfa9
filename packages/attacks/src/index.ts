/**
 * @kwta/attacks: adversarial attacks on any classifier (logits out, inputs in [0, 1]) and an
 * evaluation harness that reports per-example worst-case robust accuracy and flags gradient
 * masking. Depends on @kwta/core only.
 */
export type { Attack, AttackKind, AttackResult, Labels, RunOptions } from './attack.js';
export { forwardOf, type Classifier, type ForwardFn } from './classifier.js';
export { checkThreat, projectRow, distance, type Norm, type ThreatModel } from './threat.js';
export { attackObjective, crossEntropyRows, type AttackLoss } from './losses.js';
export { FGSM, type FgsmConfig } from './attacks/fgsm.js';
export { PGD, MIM, type PgdConfig, type MimConfig } from './attacks/pgd.js';
export { CarliniWagnerL2, type CwConfig } from './attacks/cw.js';
export { DeepFool, type DeepFoolConfig } from './attacks/deepfool.js';
export { TransferAttack } from './attacks/transfer.js';
export { EstimatedGradientPGD, samplesAt, type EstimatedGradientConfig, type SampleSchedule } from './attacks/estimated-gradient.js';
export { BPDA, straightThrough, kwtaSmooth, kwtaStraightThrough, sigmoidGate, type BpdaConfig, type KwtaSurrogateOptions } from './attacks/bpda.js';
export { SquareAttack, squareFraction, type SquareConfig } from './attacks/square.js';
export { PAPER_EPS, paperPGD, paperAttacks, type PaperDataset } from './presets.js';
export { evaluate, type EvaluateOptions } from './harness/evaluate.js';
export { runAttack, type AttackOutcome } from './harness/run-attack.js';
export type { CheckOptions } from './harness/masking-checks.js';
export type { AttackSummary, EvaluationReport, MaskingCheck, Progress } from './harness/report.js';
