import { DTypeError, Generator, KwtaError, ShapeError, Tensor, ValueError, noGrad, tensor, type DType } from '@kwta/core';
import type { AttackResult, Labels, LoopPosition, RunOptions, StepProgress } from './attack.js';
import { argmaxRows, type ForwardFn } from './classifier.js';
import { insideThreat } from './blocks/project.js';
import type { AttackLoss } from './losses.js';
import { ChunkedCalls, DEFAULT_MEMORY_BUDGET, checkMemoryBudget, type PackedRows } from './memory.js';
import { distance, type ThreatModel } from './threat.js';

/** Float values of a batch or of one example: float32 or float64. */
export type FloatArray = Float32Array | Float64Array;

function labelsToInt(op: string, what: string, labels: Labels, n: number): Int32Array {
  let values: ArrayLike<number>;
  if (labels instanceof Tensor) {
    if (labels.rank !== 1) throw new ShapeError(`${op}: ${what} must be a 1-D tensor [N], got ${labels.describe()}`);
    values = labels.dataSync();
  } else values = labels;
  if (values.length !== n) throw new ShapeError(`${op}: ${what} has ${values.length} entries for ${n} inputs`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0) throw new ValueError(`${op}: ${what}[${i}] must be a class index >= 0, got ${v}`);
    out[i] = v;
  }
  return out;
}

/** What a gradient step pushes: the loss, towards (targeted) or away from the goal class of each example. */
export interface Objective {
  loss: AttackLoss;
  targeted: boolean;
  /** The class the attacker steers example i towards (targeted) or away from. */
  goal: (i: number) => number;
}

/** Raised when an attack's result leaves its threat set: a bug in the attack, never the caller's input. */
export class ThreatViolation extends KwtaError {}

/**
 * The host-side bookkeeping of one attack run: the clean inputs, the current adversarial
 * examples, per-example success and counters. Attacks move rows in and out of tensors through
 * it, so projection and early stopping are exact, per example, and backend-independent.
 */
export class AttackState {
  readonly n: number;
  readonly rowLen: number;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly x: FloatArray;
  readonly adv: FloatArray;
  readonly labels: Int32Array;
  readonly targets: Int32Array | null;
  readonly success: boolean[];
  readonly forwardCount: number[];
  readonly gradCount: number[];
  classes = -1;
  /** The model's logits at the clean inputs, [n * classes], once markCleanSuccesses ran. */
  cleanLogits: Float64Array | null = null;
  /** Bytes of live tensors one model call may hold; larger calls run in chunks (same results). */
  readonly memoryBudget: number;
  /** Model calls split to fit the memory budget. */
  readonly calls: ChunkedCalls;
  /** The run's report of ensemble members finished (RunOptions.onMember). */
  readonly onMember: RunOptions['onMember'];
  /** The run's report of steps taken (RunOptions.onStep). */
  readonly onStep: RunOptions['onStep'];
  private readonly seeds: Uint32Array | null;
  private readonly gens = new Map<number, Generator>();
  /** The outer loops under way (inLoop), outermost first, for step reports. */
  private readonly loops: LoopPosition[] = [];

  constructor(
    readonly op: string,
    x: Tensor,
    y: Labels,
    opts: RunOptions,
    readonly threat: ThreatModel,
  ) {
    const targets = opts.targets;
    if (!(x instanceof Tensor)) throw new ValueError(`${op}: x must be a Tensor`);
    if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new DTypeError(`${op}: x must be float32 or float64, got ${x.describe()}`);
    if (x.rank < 2 || x.shape[0] === 0) throw new ShapeError(`${op}: x must be a non-empty batch [N, ...features], got ${x.describe()}`);
    this.n = x.shape[0];
    this.rowLen = x.size / this.n;
    this.shape = x.shape;
    this.dtype = x.dtype;
    this.x = x.dataSync() as FloatArray;
    const [lo, hi] = threat.bounds;
    for (let i = 0; i < this.x.length; i++) {
      const v = this.x[i];
      if (!(v >= lo && v <= hi)) throw new ValueError(`${op}: input value ${v} at flat index ${i} is outside the bounds [${lo}, ${hi}]`);
    }
    this.adv = this.x.slice();
    this.labels = labelsToInt(op, 'labels', y, this.n);
    this.targets = targets === undefined ? null : labelsToInt(op, 'targets', targets, this.n);
    if (this.targets) {
      for (let i = 0; i < this.n; i++) {
        if (this.targets[i] === this.labels[i]) throw new ValueError(`${op}: targets[${i}] equals the true label ${this.labels[i]}; a target must be another class`);
      }
    }
    this.success = new Array(this.n).fill(false);
    this.forwardCount = new Array(this.n).fill(0);
    this.gradCount = new Array(this.n).fill(0);
    this.seeds = seedsOf(op, opts, this.n);
    this.memoryBudget = opts.memoryBudget ?? DEFAULT_MEMORY_BUDGET;
    checkMemoryBudget(op, this.memoryBudget);
    this.calls = new ChunkedCalls(this.memoryBudget, this.rowLen);
    this.onMember = opts.onMember;
    this.onStep = opts.onStep;
  }

  /**
   * Run pass `index` (1-based) of `count` of an outer loop (a restart, a target class, a C&W
   * search step), so the steps reported inside say which pass they belong to. A loop of one pass
   * is not listed. Returns what `body` returns.
   */
  inLoop<T>(name: LoopPosition['name'], index: number, count: number, body: () => T): T {
    if (count <= 1 || !this.onStep) return body();
    this.loops.push({ name, index, count });
    try {
      return body();
    } finally {
      this.loops.pop();
    }
  }

  /** Report a step taken (RunOptions.onStep), with the outer loops it lies in. */
  reportStep(p: Omit<StepProgress, 'loops' | 'member'>): void {
    if (!this.onStep) return;
    this.onStep(this.loops.length > 0 ? { ...p, loops: this.loops.map((l) => ({ ...l })) } : p);
  }

  /** Rows one forward through `forward` (no gradient) may take under the memory budget; measured on example i's row of `src`. */
  rowsPerForward(forward: ForwardFn, i: number, src: ArrayLike<number> = this.adv): number {
    return this.calls.rowsPerCall(forward, 'logits', i, this.pack([i], src), (idx, p) => this.logitsOfRows(forward, idx, p));
  }

  /**
   * Example i's own random stream: its seed comes from `seeds[i]` (or, failing that, from one
   * draw of `gen` per row in order), so what happens to an example does not depend on which
   * other examples share its batch (sharding relies on it).
   */
  rowGen(i: number): Generator {
    let g = this.gens.get(i);
    if (g) return g;
    if (!this.seeds) throw new ValueError(`${this.op}: needs a Generator for its random choices (pass { gen } or { seeds })`);
    g = new Generator(this.seeds[i]);
    this.gens.set(i, g);
    return g;
  }

  /** Example i's seed, for attacks that run others on it (an ensemble's member attacks). */
  seed(i: number): number {
    if (!this.seeds) throw new ValueError(`${this.op}: needs a Generator for its random choices (pass { gen } or { seeds })`);
    return this.seeds[i];
  }

  get hasRandomness(): boolean {
    return this.seeds !== null;
  }

  /** The attack's default objective: the state's labels or targets. */
  objective(loss: AttackLoss): Objective {
    return { loss, targeted: this.targeted, goal: (i) => this.goal(i) };
  }

  /** Host copy of a forward's logits; NaN or infinite logits are the model's fault, said so. */
  readLogits(logits: Tensor, indices: readonly number[]): Float64Array {
    const v = Float64Array.from(logits.dataSync());
    const classes = v.length / Math.max(1, indices.length);
    for (let k = 0; k < v.length; k++) {
      if (!Number.isFinite(v[k])) {
        throw new ValueError(`${this.op}: the model returned a non-finite logit (${v[k]}) for example ${indices[Math.floor(k / classes)]} (class ${k % classes}); attacks need finite logits`);
      }
    }
    this.setClasses(classes);
    return v;
  }

  get targeted(): boolean {
    return this.targets !== null;
  }

  /** The class the attacker is steering example i towards (targeted) or away from. */
  goal(i: number): number {
    return this.targets ? this.targets[i] : this.labels[i];
  }

  /** Whether predicting `pred` for example i is a success for the attacker. */
  isSuccess(i: number, pred: number): boolean {
    return this.targets ? pred === this.targets[i] : pred !== this.labels[i];
  }

  /** Called once the model's class count is known: labels and targets must index a class. */
  setClasses(c: number): void {
    if (this.classes === c) return;
    for (let i = 0; i < this.n; i++) {
      if (this.labels[i] >= c) throw new ValueError(`${this.op}: labels[${i}] = ${this.labels[i]} but the model has ${c} classes`);
      if (this.targets && this.targets[i] >= c) throw new ValueError(`${this.op}: targets[${i}] = ${this.targets[i]} but the model has ${c} classes`);
    }
    this.classes = c;
  }

  /** The given rows of `src` (default: adv), packed one after another. */
  pack(indices: readonly number[], src: ArrayLike<number> = this.adv): Float32Array | Float64Array {
    const len = this.rowLen;
    const out = this.dtype === 'float32' ? new Float32Array(indices.length * len) : new Float64Array(indices.length * len);
    indices.forEach((i, r) => {
      for (let j = 0; j < len; j++) out[r * len + j] = src[i * len + j];
    });
    return out;
  }

  /** A tensor [rows, ...features] of packed row values, in the input's dtype (tensor() copies and converts). */
  tensorOf(packed: ArrayLike<number>, rows: number): Tensor {
    return tensor((ArrayBuffer.isView(packed) ? packed : Float64Array.from(packed)) as PackedRows, [rows, ...this.shape.slice(1)], this.dtype);
  }

  /** A tensor [rows.length, ...features] holding the given rows of `src` (default: adv). */
  rows(indices: readonly number[], src: ArrayLike<number> = this.adv): Tensor {
    return this.tensorOf(this.pack(indices, src), indices.length);
  }

  /** Predictions of `forward` on the given rows of `src`; counts one forward per row. */
  predict(forward: ForwardFn, indices: readonly number[], src: ArrayLike<number> = this.adv): Int32Array {
    if (indices.length === 0) return new Int32Array(0);
    const logits = this.logitsAt(forward, indices, src);
    return argmaxRows(logits, indices.length, this.classes);
  }

  /** Logits of `forward` on the given rows of `src` (no gradient); counts one forward per row. */
  logitsAt(forward: ForwardFn, indices: readonly number[], src: ArrayLike<number> = this.adv): Float64Array {
    return this.logitsOfPacked(forward, indices, this.pack(indices, src));
  }

  /**
   * Logits (no gradient) at packed rows, row r belonging to example indices[r], in chunks under
   * the memory budget; one forward per row counted.
   */
  logitsOfPacked(forward: ForwardFn, indices: readonly number[], packed: PackedRows): Float64Array {
    if (indices.length === 0) return new Float64Array(0);
    let logits = new Float64Array(0);
    this.calls.inChunks(forward, 'logits', indices, packed, (idx, p, r0) => {
      const part = this.logitsOfRows(forward, idx, p);
      if (r0 < 0) return;
      if (r0 === 0) logits = new Float64Array(indices.length * this.classes);
      logits.set(part, r0 * this.classes);
    });
    for (const i of indices) this.forwardCount[i]++;
    return logits;
  }

  /** One forward (no gradient, nothing counted) on rows that fit in one call; inside the caller's tidy. */
  private logitsOfRows(forward: ForwardFn, indices: readonly number[], packed: PackedRows): Float64Array {
    return noGrad(() => this.readLogits(forward(this.tensorOf(packed, indices.length)), indices));
  }

  /** Indices of examples not yet broken. */
  active(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.n; i++) if (!this.success[i]) out.push(i);
    return out;
  }

  /** Mark examples the model already gets wrong (or already sends to the target) as done at x. */
  markCleanSuccesses(forward: ForwardFn): void {
    const all = [...Array(this.n).keys()];
    this.cleanLogits = this.logitsAt(forward, all, this.x);
    const preds = argmaxRows(this.cleanLogits, this.n, this.classes);
    for (const i of all) if (this.isSuccess(i, preds[i])) this.success[i] = true;
  }

  /** Classes of example i ordered by its clean logit, highest first (targets by rank). */
  classesByCleanLogit(i: number): number[] {
    if (!this.cleanLogits) throw new ValueError(`${this.op}: clean logits are not known yet`);
    const c = this.classes;
    const z = this.cleanLogits;
    return [...Array(c).keys()].sort((a, b) => z[i * c + b] - z[i * c + a] || a - b);
  }

  /** Copy row r of `src` (laid out as rows of the active list) into adv row i. */
  setAdvRow(i: number, src: ArrayLike<number>, r: number): void {
    const len = this.rowLen;
    for (let j = 0; j < len; j++) this.adv[i * len + j] = src[r * len + j];
  }

  /**
   * The result: one final forward of the attacked model on every xAdv decides success, so the
   * flags always agree with the model's predictions. Every row is checked to lie in the threat
   * set (finite, inside the bounds and the ball) first: AutoAttack's final check, as code.
   */
  finish(forward: ForwardFn): AttackResult {
    const all = [...Array(this.n).keys()];
    for (const i of all) {
      if (!insideThreat(this.adv, this.x, i, this.rowLen, this.threat)) {
        const d = distance(this.adv, this.x, i * this.rowLen, this.rowLen, this.threat.norm);
        throw new ThreatViolation(`${this.op}: example ${i} left the threat set (${this.threat.norm} distance ${d}, eps ${this.threat.eps}, bounds [${this.threat.bounds.join(', ')}]): a bug in the attack`);
      }
    }
    const preds = this.predict(forward, all);
    const success = all.map((i) => this.isSuccess(i, preds[i]));
    const norms = all.map((i) => distance(this.adv, this.x, i * this.rowLen, this.rowLen, this.threat.norm));
    const xAdv = tensor(this.adv.slice(), [...this.shape], this.dtype);
    return { xAdv, success, norms, forwardCount: [...this.forwardCount], gradCount: [...this.gradCount] };
  }
}

function seedsOf(op: string, opts: RunOptions, n: number): Uint32Array | null {
  if (opts.seeds !== undefined) {
    const s = opts.seeds;
    if (s.length !== n) throw new ShapeError(`${op}: seeds has ${s.length} entries for ${n} inputs`);
    return Uint32Array.from(s, (v, i) => {
      if (!Number.isInteger(v) || v < 0) throw new ValueError(`${op}: seeds[${i}] must be an integer >= 0, got ${v}`);
      return v >>> 0;
    });
  }
  if (opts.gen === undefined) return null;
  if (!(opts.gen instanceof Generator)) throw new ValueError(`${op}: gen must be a Generator`);
  return Uint32Array.from({ length: n }, () => opts.gen!.nextUint32());
}
