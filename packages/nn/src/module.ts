import { DTypeError, Generator, ShapeError, ValueError, cast, fmtShape, isFloat, noGrad, type Tensor } from '@kwta/core';

/** A name → tensor map in registration order, as PyTorch's `state_dict()`. */
export type StateDict = Map<string, Tensor>;

/**
 * Called after a module's forward with (module, input, output), PyTorch's `register_forward_hook`
 * shape: return nothing to observe (pattern capture, a playground watching k-WTA winners), or a
 * tensor to use in place of the output.
 */
export type ForwardHook = (module: Module, input: Tensor, output: Tensor) => Tensor | void;

/** What `registerForwardHook` returns: `remove()` detaches the hook (calling it again is a no-op). */
export interface HookHandle {
  /** Unregister the hook. */
  remove(): void;
}

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
  private readonly generators = new Map<string, Generator>();
  private readonly forwardHooks = new Map<number, ForwardHook>();
  private nextHookId = 0;

  /** The computation; subclasses implement it and call their children with `call`. */
  abstract forward(x: Tensor): Tensor;

  /**
   * Run `forward`, then the forward hooks in registration order (as PyTorch's `__call__`).
   * Containers call their children this way, so a hook on any layer of a model fires when
   * the model runs; calling `forward` directly skips this module's own hooks.
   */
  call(x: Tensor): Tensor {
    let y = this.forward(x);
    if (this.forwardHooks.size === 0) return y;
    for (const hook of [...this.forwardHooks.values()]) {
      const replaced = hook(this, x, y);
      if (replaced !== undefined) y = replaced;
    }
    return y;
  }

  /** Call `hook(module, input, output)` after every `call` of this module, until removed. */
  registerForwardHook(hook: ForwardHook): HookHandle {
    if (typeof hook !== 'function') throw new ValueError(`${this.constructor.name}.registerForwardHook: hook must be a function`);
    const id = this.nextHookId++;
    this.forwardHooks.set(id, hook);
    return { remove: () => void this.forwardHooks.delete(id) };
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

  /**
   * Register a random source the module draws from while running (Dropout's masks). Its state
   * is part of the module's state (`generatorStates`), so a checkpoint resumes its draws exactly.
   */
  protected registerGenerator(name: string, gen: Generator): Generator {
    checkName(this, name, this.generators);
    if (!(gen instanceof Generator)) throw new ValueError(`${this.constructor.name}: generator '${name}' is not a Generator`);
    this.generators.set(name, gen);
    return gen;
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

  /** This module and all its descendants, depth first (as `namedModules`, without the names). */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Every parameter of this module and its descendants, by dotted name (PyTorch's names). */
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [path, m] of this.namedModules()) for (const [n, t] of m.params) out.push([path ? `${path}.${n}` : n, t]);
    return out;
  }

  /** Every parameter of this module and its descendants. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Every buffer (running statistics, ...) of this module and its descendants, by dotted name. */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [path, m] of this.namedModules()) for (const [n, t] of m.buffers) out.push([path ? `${path}.${n}` : n, t]);
    return out;
  }

  /** Every registered generator of this module and its descendants, by dotted path (`3.gen`). */
  namedGenerators(): [string, Generator][] {
    const out: [string, Generator][] = [];
    for (const [path, m] of this.namedModules()) for (const [n, g] of m.generators) out.push([path ? `${path}.${n}` : n, g]);
    return out;
  }

  /** The state of every registered generator, by dotted path: the RNG half of a checkpoint. */
  generatorStates(): Record<string, number[]> {
    return Object.fromEntries(this.namedGenerators().map(([k, g]) => [k, g.getState()]));
  }

  /**
   * Restore generator states saved by `generatorStates`. A key this module does not have is an
   * error (checked before any state is set); generators the record does not name keep theirs.
   */
  loadGeneratorStates(states: Record<string, number[]>): void {
    const own = new Map(this.namedGenerators());
    const unknown = Object.keys(states).filter((k) => !own.has(k));
    if (unknown.length) {
      throw new ValueError(`loadGeneratorStates: ${this.constructor.name} has no generator ${unknown.map((k) => `'${k}'`).join(', ')} (it has: ${[...own.keys()].join(', ') || 'none'})`);
    }
    for (const [k, state] of Object.entries(states)) own.get(k)!.setState(state);
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

  /** Switch this module and its children to evaluation mode (`training` false); returns this. */
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

  /** The module's class name; layers add their settings (`Linear(784, 10)`). */
  toString(): string {
    return this.constructor.name;
  }
}

function checkName(m: Module, name: string, into: Map<string, unknown>): void {
  if (!name || name.includes('.')) throw new ValueError(`${m.constructor.name}: name '${name}' must be non-empty and contain no '.'`);
  if (into.has(name)) throw new ValueError(`${m.constructor.name}: '${name}' is already registered`);
}
