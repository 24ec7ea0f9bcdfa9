/**
 * @kwta/nn: modules and layers, the k-WTA / LWTA activations and their pattern tools, the
 * paper's models, losses, safetensors (de)serialization and a safe reader of PyTorch checkpoints
 * (`torch.save` files). File I/O lives in `@kwta/nn/node`.
 */
export { Module, type StateDict, type LoadStateDictOptions, type ForwardHook, type HookHandle } from './module.js';
export { checkInit, defaultUniform, type InitOptions } from './init.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { Conv2d, type Conv2dOptions } from './layers/conv2d.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './layers/batchnorm.js';
export { MaxPool2d, AvgPool2d, GlobalAvgPool2d, type PoolOptions } from './layers/pool.js';
export { Flatten, Reshape, Identity, Sequential } from './layers/basic.js';
export { Normalize } from './layers/normalize.js';
export { Dropout, type DropoutOptions } from './layers/dropout.js';
export { Activation, ReLU, Tanh, Sigmoid, Softplus, reluFactory, type ActivationFactory } from './activations/activation.js';
export { WinnerTakeAll, smoothBackward, type BackwardMode, type Selection, type WinnerMask } from './activations/winners.js';
export { withBackwardMode, bpdaSurrogate } from './activations/backward-mode.js';
export { KWTA, KWTAChannel, KWTAFixedK, RatioKWTA, kFromGamma, type KWTAOptions } from './activations/kwta.js';
export { LWTA, type LWTAOptions } from './activations/lwta.js';
export { replaceActivations, setSparsity, type ReplaceOptions } from './activations/replace.js';
export {
  ACTIVATION_REGISTRY, ACTIVATION_KINDS, activationSyntax, parseActivation, activationFactory, activationLabel,
  type ActivationEntry, type ActivationKind, type ActivationSpec, type ParamsOf,
} from './activations/registry.js';
export { captureActivationPatterns, countPatternChanges, type LayerPattern, type PatternChanges } from './activations/patterns.js';
export { type ModelOptions } from './models/common.js';
export { MnistCnn, mnistCnn, type MnistCnnOptions } from './models/mnist-cnn.js';
export { ResNet, BasicBlock, resnet18, type ResNetOptions } from './models/resnet.js';
export { DenseNet, DenseBottleneck, DenseTransition, densenet121, type DenseNetOptions } from './models/densenet.js';
export { WideResNet, WideBasicBlock, wideResNet, type WideResNetOptions } from './models/wideresnet.js';
export { Vgg, vgg19, type VggOptions } from './models/vgg.js';
export {
  sparseResNet18, sparseResNet34, sparseDenseNet121, sparseWideResNet, sparseMnistCnn,
  type SparseFunc, type KwtaRepoOptions, type SparseWideResNetOptions, type SparseMnistCnnOptions,
} from './models/kwta-repo.js';
export { mlp, type MlpOptions } from './models/mlp.js';
export { MODEL_REGISTRY, MODEL_NAMES, buildModel, type ModelBuildOptions, type ModelEntry, type ModelName, type ModelSpec } from './models/registry.js';
export { crossEntropy, klDivergence, cwLoss, dlrLoss, type Reduction } from './losses/index.js';
export { SafetensorsError, MAX_HEADER_BYTES, FILE_DTYPES, type FileDType, type Header, type HeaderEntry } from './safetensors/header.js';
export { encodeSafetensors, decodeSafetensors, readHeader, loadSafetensorsBytes } from './safetensors/codec.js';
export type { FiniteOptions } from './finite.js';
export { FILE_DTYPES as ELEMENT_TYPES } from './elements.js';
export { CheckpointError } from './pytorch/errors.js';
export { type CheckpointLimits } from './pytorch/budget.js';
export { ALLOWED as CHECKPOINT_GLOBALS } from './pytorch/globals.js';
export { STORAGE_TYPES, TorchTensor } from './pytorch/storage.js';
export { readTorchCheckpoint, TorchCheckpoint, WRAPPER_KEYS, type ReadCheckpointOptions } from './pytorch/state-dict.js';
export { loadTorchCheckpointBytes, loadCheckpointInto, type LoadCheckpointOptions, type LoadReport } from './pytorch/load.js';
export { type TorchFormat } from './pytorch/torch-file.js';
