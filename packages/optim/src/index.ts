/**
 * @kwta/optim: SGD, Adam and AdamW with PyTorch's update rules, learning-rate schedules and the
 * paper's incremental sparsity schedule (numbers only; @kwta/nn's setSparsity applies them).
 */
export { Optimizer, type OptimizerStateDict, type ParamState } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { MultiStepLR, CosineLR, LinearWarmup, ConstantLR, applySchedule, type LRSchedule } from './schedules.js';
export { IncrementalSparsity, type IncrementalSparsityOptions } from './sparsity.js';
