import { ShapeError, Tensor, ValueError, fmtShape, noGrad, tensor, tidy } from '@kwta/core';

/** The parameters as a list; a model (or anything not iterable) gets a typed error saying what to pass. */
function paramList(name: string, params: Iterable<Tensor>): Tensor[] {
  const p = params as unknown as { parameters?: unknown; [Symbol.iterator]?: unknown } | null;
  if (p !== null && typeof p === 'object' && typeof p.parameters === 'function') throw new ValueError(`${name}: pass model.parameters(), not the model itself`);
  if (p === null || typeof p !== 'object' || typeof p[Symbol.iterator] !== 'function') {
    throw new ValueError(`${name}: params must be an iterable of Tensors (e.g. model.parameters()), got ${p === null ? 'null' : `a${typeof p === 'object' ? 'n' : ''} ${typeof p}`}`);
  }
  return [...params];
}

/** Per-parameter optimizer state: named buffers (kept tensors) and a step count. */
export interface ParamState {
  step: number;
  buffers: Map<string, Tensor>;
}

/**
 * A checkpointable snapshot: `tensors` holds every state buffer as `<paramIndex>.<buffer>`
 * (e.g. `3.exp_avg`, PyTorch's buffer names), `steps[i]` each parameter's step count and
 * `hyper` the hyperparameters (lr included). The tensors are copies owned by the caller.
 */
export interface OptimizerStateDict {
  hyper: Record<string, number | boolean>;
  steps: number[];
  tensors: Map<string, Tensor>;
}

/**
 * Base of the optimizers: holds the parameter list and per-parameter state, and runs each
 * parameter's update inside `tidy` with gradients off, writing results with `assign` so
 * parameters and state buffers keep their identity and nothing leaks.
 */
export abstract class Optimizer {
  readonly params: Tensor[];
  protected readonly state: ParamState[];
  /** Learning rate; schedules overwrite it between epochs. */
  lr: number;

  constructor(params: Iterable<Tensor>, lr: number, readonly name: string) {
    this.params = paramList(name, params);
    if (this.params.length === 0) throw new ValueError(`${name}: got an empty parameter list`);
    this.params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new ValueError(`${name}: parameter ${i} is not a Tensor`);
      if (!p.requiresGrad) throw new ValueError(`${name}: parameter ${i} ${p.describe()} does not require grad`);
    });
    if (new Set(this.params).size !== this.params.length) throw new ValueError(`${name}: a parameter appears more than once`);
    checkNonNegative(name, 'lr', lr);
    this.lr = lr;
    this.state = this.params.map(() => ({ step: 0, buffers: new Map() }));
  }

  /** One update of every parameter that has a gradient (parameters without one are skipped). */
  step(): void {
    checkNonNegative(this.name, 'lr', this.lr);
    noGrad(() => {
      this.params.forEach((p, i) => {
        if (!p.grad) return;
        if (p.grad.shape.join() !== p.shape.join()) throw new ShapeError(`${this.name}: grad ${p.grad.describe()} does not match parameter ${i} ${p.describe()}`);
        const s = this.state[i];
        s.step++;
        tidy(() => p.assign(this.update(p, p.grad!, s)));
      });
    });
  }

  /** Clear every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /** The new parameter value; may create or assign state buffers via `buffer`. */
  protected abstract update(p: Tensor, grad: Tensor, state: ParamState): Tensor;

  /** Hyperparameters for the state dict (lr included). */
  protected abstract hyper(): Record<string, number | boolean>;

  /** Store `value` as state buffer `name` (kept across tidy scopes; replaced in place later). */
  protected setBuffer(state: ParamState, name: string, value: Tensor): Tensor {
    const existing = state.buffers.get(name);
    if (existing) {
      existing.assign(value);
      return existing;
    }
    const copy = noGrad(() => tensor(value.dataSync(), value.shape, value.dtype)).keep();
    state.buffers.set(name, copy);
    return copy;
  }

  /**
   * Make the freshly computed `value` state buffer `name`: it is kept (not copied), so it must
   * be a new tensor nothing else holds (a kernel's output), unlike `setBuffer`'s argument.
   */
  protected adoptBuffer(state: ParamState, name: string, value: Tensor): Tensor {
    const existing = state.buffers.get(name);
    if (existing) {
      existing.assign(value);
      return existing;
    }
    state.buffers.set(name, value.keep());
    return value;
  }

  /** A copy of the optimizer's state (its per-parameter buffers, such as momenta) for a checkpoint. */
  stateDict(): OptimizerStateDict {
    const tensors = new Map<string, Tensor>();
    this.state.forEach((s, i) => {
      for (const [name, t] of s.buffers) tensors.set(`${i}.${name}`, tensor(t.dataSync(), t.shape, t.dtype));
    });
    return { hyper: this.hyper(), steps: this.state.map((s) => s.step), tensors };
  }

  /**
   * Restore a snapshot taken from an optimizer of the same kind over parameters of the same
   * shapes. Everything is checked before any state is replaced; values are copied.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    if (dict.steps.length !== this.params.length) {
      throw new ValueError(`${this.name}.loadStateDict: snapshot has ${dict.steps.length} parameters, optimizer has ${this.params.length}`);
    }
    const mine = this.hyper();
    for (const key of Object.keys(dict.hyper)) {
      if (!(key in mine)) throw new ValueError(`${this.name}.loadStateDict: unknown hyperparameter '${key}' (is the snapshot from another optimizer?)`);
    }
    const parsed: [number, string, Tensor][] = [];
    for (const [key, t] of dict.tensors) {
      const m = /^(\d+)\.(\w+)$/.exec(key);
      const i = m ? Number(m[1]) : -1;
      if (!m || i >= this.params.length) throw new ValueError(`${this.name}.loadStateDict: bad state key '${key}'`);
      if (t.shape.join() !== this.params[i].shape.join()) {
        throw new ShapeError(`${this.name}.loadStateDict: '${key}' has shape ${fmtShape(t.shape)} but parameter ${i} has ${fmtShape(this.params[i].shape)}`);
      }
      parsed.push([i, m[2], t]);
    }
    for (const s of this.state) {
      for (const b of s.buffers.values()) b.dispose();
      s.buffers.clear();
    }
    dict.steps.forEach((n, i) => (this.state[i].step = n));
    for (const [i, name, t] of parsed) this.state[i].buffers.set(name, noGrad(() => tensor(t.dataSync(), t.shape, t.dtype)).keep());
    this.loadHyper(dict.hyper);
  }

  /** Hyperparameter keys are property names, so a snapshot's values are written back as is. */
  protected loadHyper(hyper: Record<string, number | boolean>): void {
    const self = this as unknown as Record<string, number | boolean>;
    for (const [key, value] of Object.entries(hyper)) self[key] = value;
  }

  /** Free all state buffers. */
  dispose(): void {
    for (const s of this.state) for (const b of s.buffers.values()) b.dispose();
  }
}

export function checkNonNegative(op: string, name: string, v: number): void {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new ValueError(`${op}: ${name} must be a finite number >= 0, got ${v}`);
}
