/**
 * @kwta/train: the paper's training methods (natural, PGD adversarial training, TRADES, free
 * adversarial training) for any model and activation, with the incremental sparsity schedule,
 * per-epoch checkpoints and exact resume. Runs in a browser; checkpoint files on disk (atomic
 * writes, the directory store) are in `@kwta/train/node`.
 */
export { train, evaluateAccuracy, type TrainOptions, type TrainProgress, type TrainResult } from './trainer.js';
export { trainStep, resolveMethodOptions, FreeState, METHODS, type Method, type MethodOptions, type StepResult, type StepContext } from './methods.js';
export { maximizeInBall, type InnerMaxOptions } from './inner-max.js';
export {
  encodeCheckpoint, decodeCheckpoint, type CheckpointMeta, type CheckpointStore, type LoadedCheckpoint, type EpochRecord, type PartialEpoch,
} from './checkpoint.js';
export { formatProgress } from './progress.js';
