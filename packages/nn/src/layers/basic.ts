import { ShapeError, ValueError, flatten, reshape, type Tensor } from '@kwta/core';
import { Module } from '../module.js';

/** [N, ...] → [N, prod(...)] (from `startAxis`, default 1). */
export class Flatten extends Module {
  constructor(readonly startAxis = 1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startAxis);
  }
}

/** Reshape every sample to `shape` (the batch axis is kept). */
export class Reshape extends Module {
  constructor(readonly shape: readonly number[]) {
    super();
  }

  forward(x: Tensor): Tensor {
    if (x.rank < 1) throw new ShapeError(`Reshape: input must have a batch axis, got ${x.describe()}`);
    return reshape(x, [x.shape[0], ...this.shape]);
  }
}

export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Runs its children in order; they are named '0', '1', ... as in PyTorch. */
export class Sequential extends Module {
  private readonly layers: Module[] = [];

  constructor(...layers: Module[]) {
    super();
    for (const layer of layers) this.append(layer);
  }

  /** Add a layer at the end; returns the Sequential. */
  append(layer: Module): this {
    if (typeof layer === 'function') throw new ValueError(`Sequential: item ${this.layers.length} is a function (a factory?); pass the module itself, e.g. new ReLU()`);
    if (!(layer instanceof Module)) throw new ValueError(`Sequential: item ${this.layers.length} is not a Module`);
    this.registerModule(String(this.layers.length), layer);
    this.layers.push(layer);
    return this;
  }

  get length(): number {
    return this.layers.length;
  }

  /** The i-th layer (a ValueError if there is none). */
  at(i: number): Module {
    const m = this.namedChildren()[i];
    if (!m) throw new ValueError(`Sequential: index ${i} outside [0, ${this.layers.length})`);
    return m[1];
  }

  override replaceChild(name: string, m: Module): void {
    super.replaceChild(name, m);
    this.layers[Number(name)] = m;
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const layer of this.layers) y = layer.call(y);
    return y;
  }
}
