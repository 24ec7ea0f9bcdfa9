import { DTypeError, ShapeError, ValueError, cast, fmtShape, isFloat, noGrad, type Tensor } from '@kwta/core';

/** A name → tensor map in registration order, as PyTorch's `state_dict()`. */
export type StateDict = Map<string, Tensor>;

export interface LoadStateDictOptions {
  /** Require exactly the model's keys (default true, as PyTorch). Shapes must always match. */
  strict?: boolean;
}

/**
 * Base class of every layer and model. A module owns named parameters (tensors with
 * requiresGrad), named buffers (running statistics and the like) and named child modules; the
 * dotted paths through them (`layer1.0.conv1.weight`) are the PyTorch `state_dict` names, so
 * weights move between the two unchanged.
 */
export abstract class Module {
  /** Training mode (BatchNorm batch statistics, Dropout active) versus evaluation mode. */
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly buffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  abstract forward(x: Tensor): Tensor;

  /** Same as `forward`; reads better in chains (`model.call(x)`). */
  call(x: Tensor): Tensor {
    return this.forward(x);
  }

  /** Register a trainable tensor (marked requiresGrad, kept past every tidy scope). */
  protected registerParameter(name: string, t: Tensor): Tensor {
    checkName(this, name, this.params);
    if (!isFloat(t.dtype)) throw new DTypeError(`${this.constructor.name}: parameter '${name}' must be floating point, got ${t.describe()}`);
    t.requireGrad().keep();
    t.name = name;
    this.params.set(name, t);
    return t;
  }

  /** Register a non-trainable tensor that is part of the state (running mean, counters). */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    checkName(this, name, this.buffers);
    t.keep();
    t.name = name;
    this.buffers.set(name, t);
    return t;
  }

  /** Register a child; its tensors appear under `name.` in the state dict. */
  protected registerModule<M extends Module>(name: string, m: M): M {
    checkName(this, name, this.children);
    if (!(m instanceof Module)) throw new ValueError(`${this.constructor.name}: child '${name}' is not a Module`);
    this.children.set(name, m);
    return m;
  }

  /**
   * Swap the child called `name` for `m` (used by replaceActivations). A property of the same
   * name, which forward code reads, is updated too so both views stay in step.
   */
  replaceChild(name: string, m: Module): void {
    if (!this.children.has(name)) throw new ValueError(`${this.constructor.name}.replaceChild: no child named '${name}' (children: ${[...this.children.keys()].join(', ')})`);
    this.children.set(name, m);
    const self = this as unknown as Record<string, unknown>;
    if (self[name] instanceof Module) self[name] = m;
  }

  /** Direct children in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  /** This module and every descendant, with dotted paths ('' for this one), depth first. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.children) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [path, m] of this.namedModules()) for (const [n, t] of m.params) out.push([path ? `${path}.${n}` : n, t]);
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [path, m] of this.namedModules()) for (const [n, t] of m.buffers) out.push([path ? `${path}.${n}` : n, t]);
    return out;
  }

  /** Number of scalar parameters (PyTorch's sum(p.numel() for p in model.parameters())). */
  numParameters(): number {
    return this.parameters().reduce((s, p) => s + p.size, 0);
  }

  /**
   * Parameters and buffers by PyTorch name, per module in the order PyTorch uses (a module's
   * own parameters, then its buffers, then its children). The tensors are the live ones: read
   * them, do not dispose them.
   */
  stateDict(): StateDict {
    const out: StateDict = new Map();
    const visit = (m: Module, prefix: string) => {
      for (const [n, t] of m.params) out.set(prefix + n, t);
      for (const [n, t] of m.buffers) out.set(prefix + n, t);
      for (const [n, c] of m.children) visit(c, `${prefix}${n}.`);
    };
    visit(this, '');
    return out;
  }

  /**
   * Copy values from `dict` into this module's parameters and buffers (in place: optimizers
   * holding the parameters keep working). Everything is checked before anything is written:
   * missing or unexpected keys (when strict), shape mismatches (always) and dtype kinds.
   * Float values of another float dtype are cast, as PyTorch's copy_ does.
   */
  loadStateDict(dict: StateDict | Record<string, Tensor>, opts: LoadStateDictOptions = {}): void {
    const strict = opts.strict ?? true;
    const source = dict instanceof Map ? dict : new Map(Object.entries(dict));
    const own = this.stateDict();
    if (strict) {
      const missing = [...own.keys()].filter((k) => !source.has(k));
      const unexpected = [...source.keys()].filter((k) => !own.has(k));
      if (missing.length || unexpected.length) {
        throw new ValueError(
          `loadStateDict: state dict does not match ${this.constructor.name}` +
            (missing.length ? `; missing keys: ${missing.join(', ')}` : '') +
            (unexpected.length ? `; unexpected keys: ${unexpected.join(', ')}` : ''),
        );
      }
    }
    const plan: [Tensor, Tensor][] = [];
    for (const [key, target] of own) {
      const value = source.get(key);
      if (!value) continue;
      if (value.shape.join() !== target.shape.join()) {
        throw new ShapeError(`loadStateDict: size mismatch for '${key}': checkpoint has ${fmtShape(value.shape)}, model has ${fmtShape(target.shape)}`);
      }
      const sameKind = value.dtype === target.dtype || (isFloat(value.dtype) && isFloat(target.dtype));
      if (!sameKind) throw new DTypeError(`loadStateDict: dtype mismatch for '${key}': checkpoint has ${value.dtype}, model has ${target.dtype}`);
      plan.push([target, value]);
    }
    noGrad(() => {
      for (const [target, value] of plan) {
        if (value.dtype === target.dtype) target.assign(value);
        else {
          const converted = cast(value, target.dtype);
          target.assign(converted);
          converted.dispose();
        }
      }
    });
  }

  /** Set training mode on this module and every descendant. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Drop the accumulated `.grad` of every parameter. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Free every parameter and buffer (the module is unusable afterwards). */
  dispose(): void {
    for (const t of this.stateDict().values()) t.dispose();
  }

  toString(): string {
    return this.constructor.name;
  }
}

function checkName(m: Module, name: string, into: Map<string, unknown>): void {
  if (!name || name.includes('.')) throw new ValueError(`${m.constructor.name}: name '${name}' must be non-empty and contain no '.'`);
  if (into.has(name)) throw new ValueError(`${m.constructor.name}: '${name}' is already registered`);
}
