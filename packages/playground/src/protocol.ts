/**
 * The typed message protocol between the page and the engine's Web Worker. Every exchange is a
 * call: the page posts `{ id, call, args }`; the worker answers with any number of
 * `{ id, kind: 'progress' }` messages and then exactly one `result` or `error`. `Calls` lists
 * each call's argument, progress and result types, so both sides are checked by the compiler and
 * the worker's handler table must cover every call.
 */
import type { EvaluationReport } from '@kwta/attacks';

/** The two networks the playground compares, always side by side. */
export type Net = 'relu' | 'kwta';
export const NETS: readonly Net[] = ['relu', 'kwta'];
export const NET_LABEL: Record<Net, string> = { relu: 'ReLU', kwta: 'k-WTA' };

export type BackendKind = 'wasm' | 'cpu' | 'webgl2';

export interface BackendInfo {
  kind: BackendKind;
  /** Plain words for the status line, e.g. "WebAssembly SIMD, 2 threads". */
  label: string;
  threads: number;
  /** Whether the page is cross-origin isolated (SharedArrayBuffer, so worker threads). */
  isolated: boolean;
  /** Why the backend is what it is (e.g. "one thread: the page is not cross-origin isolated"). */
  detail: string;
}

export type Arch = 'cnn' | 'mlp';

export interface ModelSpec {
  arch: Arch;
  /** Width of the hidden layer(s). */
  hidden: number;
  /** k-WTA sparsity: the fraction of each layer's activations kept. */
  gamma: number;
  /** Seeds the initial weights (the same for both networks). */
  seed: number;
}

export interface TrainConfig {
  model: ModelSpec;
  epochs: number;
  /** Training digits used (a prefix of the embedded MNIST split, balanced over digits). */
  trainSize: number;
  /** Test digits used for the test accuracy after each epoch. */
  testSize: number;
  batchSize: number;
  lr: number;
  /** Seeds the batch order. */
  seed: number;
}

export interface NetTick {
  /** Running mean loss and accuracy over the epoch so far. */
  loss: number;
  accuracy: number;
  /** This batch's loss and accuracy (what the curves plot, smoothed). */
  batchLoss: number;
  batchAccuracy: number;
  /** Mean milliseconds per step of this network over the epoch so far. */
  msPerStep: number;
}

export interface EpochResult {
  loss: number;
  trainAccuracy: number;
  testAccuracy: number;
}

export type TrainEvent =
  | { type: 'step'; step: number; steps: number; epoch: number; nets: Record<Net, NetTick> }
  | { type: 'epoch'; epoch: number; nets: Record<Net, EpochResult> }
  | { type: 'paused'; paused: boolean };

export interface TrainSummary {
  stopped: boolean;
  steps: number;
  epochs: EpochResult[][];
  final: Record<Net, EpochResult> | null;
  /** The networks as they are now (training builds them afresh from its spec). */
  models: Record<Net, ModelInfo>;
}

/** A digit to attack: one of the test digits, or one the user drew (784 values in [0, 1]). */
export type DigitSource = { source: 'test'; index: number } | { source: 'drawn'; pixels: number[]; label: number };

export interface AttackRequest {
  digit: DigitSource;
  attack: string;
  eps: number;
  steps: number;
  seed: number;
}

export interface PathPoint {
  net: Net;
  /** Index of the point along the attack's path (0 = the clean digit). */
  step: number;
  logits: number[];
  /** Per activation layer: units whose on/off state changed since the previous point. */
  changed: number[];
}

export interface AttackView {
  net: Net;
  label: number;
  cleanPrediction: number;
  prediction: number;
  success: boolean;
  /** L-inf distance of the adversarial digit from the clean one. */
  norm: number;
  adversarial: number[];
  /** adversarial - clean, per pixel. */
  perturbation: number[];
  /** Names of the activation layers the `changed` counts refer to. */
  layers: string[];
  path: PathPoint[];
  forwards: number;
  gradients: number;
  seconds: number;
}

export interface ScoreboardRequest {
  examples: number;
  eps: number;
  steps: number;
  attacks: string[];
  seed: number;
}

/** How far a scoreboard run has got: the harness's progress for one network (status: within a batch, the attack's step). */
export interface ScoreboardProgress {
  net: Net;
  stage: string;
  name: string;
  done: number;
  total: number;
  status?: string;
}

export interface ScoreboardView {
  reports: Record<Net, EvaluationReport>;
  labels: number[];
  seconds: number;
}

export interface Figure1Request {
  points: { x: number; y: number }[];
  gamma: number;
  width: number;
  steps: number;
  seed: number;
}

export interface Figure1Curve {
  curve: { x: number; y: number; piece: number }[];
  discontinuities: { x: number; jump: number }[];
  patternChanges: number;
  trainMse: number;
}

export interface Figure1View {
  points: { x: number; y: number }[];
  /** The function the points were first drawn from, on the plot's grid. */
  target: { x: number; y: number }[];
  kwta: Figure1Curve;
  relu: Figure1Curve;
  seconds: number;
}

export interface LandscapeRequest {
  digit: DigitSource;
  eps: number;
  size: number;
  seed: number;
}

export interface LandscapeGrid {
  axis: number[];
  loss: number[][];
  roughness: number;
  jumpFraction: number;
  range: [number, number];
}

export interface LandscapeView {
  label: number;
  nets: Record<Net, LandscapeGrid>;
  /** The two heat maps side by side (experiments' Figure 5 chart), as a Vega-Lite spec. */
  spec: unknown;
  seconds: number;
}

export interface SpeedReport {
  backend: BackendInfo;
  /** GFLOP/s of a 256 x 256 matrix product. */
  matmulGflops: number;
  /** Milliseconds of one training step (batch 64) of each network as it is configured now. */
  stepMs: Record<Net, number>;
}

export interface ModelInfo {
  spec: ModelSpec;
  /** Activation layers in forward order (what the winner-change counts refer to). */
  layers: string[];
  parameters: number;
}

/** An attack the page can offer (the worker's attack table, in words). */
export interface AttackOption {
  id: string;
  label: string;
  explain: string;
}

export interface ReadyInfo {
  backend: BackendInfo;
  trainDigits: number;
  testDigits: number;
  models: Record<Net, ModelInfo>;
  attacks: AttackOption[];
  /** Where Figure 1's points start: samples of the paper's target function. */
  figure1Points: { x: number; y: number }[];
}

/** Every call, with what it takes, what it reports along the way and what it returns. */
export interface Calls {
  init: { args: { backend: BackendKind; threads?: number; model: ModelSpec }; progress: { loaded: number; of: number }; result: ReadyInfo };
  train: { args: TrainConfig; progress: TrainEvent; result: TrainSummary };
  pause: { args: Record<string, never>; progress: never; result: { paused: boolean } };
  resume: { args: Record<string, never>; progress: never; result: { paused: boolean } };
  stop: { args: Record<string, never>; progress: never; result: { stopping: boolean } };
  save: { args: { net: Net }; progress: never; result: { bytes: Uint8Array; fileName: string } };
  load: { args: { net: Net; bytes: Uint8Array; fileName: string }; progress: never; result: { net: Net; info: ModelInfo; message: string } };
  digits: { args: { indices: number[] }; progress: never; result: { pixels: number[][]; labels: number[] } };
  predict: { args: { pixels: number[] }; progress: never; result: Record<Net, number[]> };
  attack: { args: AttackRequest; progress: PathPoint; result: Record<Net, AttackView> };
  scoreboard: { args: ScoreboardRequest; progress: ScoreboardProgress; result: ScoreboardView };
  figure1: { args: Figure1Request; progress: { model: string; step: number; steps: number; loss: number }; result: Figure1View };
  landscape: { args: LandscapeRequest; progress: never; result: LandscapeView };
  speed: { args: Record<string, never>; progress: never; result: SpeedReport };
}

export type CallName = keyof Calls;

export interface RequestMessage<K extends CallName = CallName> {
  id: number;
  call: K;
  args: Calls[K]['args'];
}

export type ResponseMessage =
  | { id: number; kind: 'progress'; data: unknown }
  | { id: number; kind: 'result'; data: unknown }
  | { id: number; kind: 'error'; error: { name: string; message: string } };
