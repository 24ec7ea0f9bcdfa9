import { relu, sigmoid, softplus, tanh, type Tensor } from '@kwta/core';
import { Module } from '../module.js';

/**
 * Marker base of elementwise-or-selection activations: what `replaceActivations` swaps out. A
 * model built with ReLU becomes a k-WTA model by replacing exactly these modules.
 */
export abstract class Activation extends Module {}

export class ReLU extends Activation {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

export class Tanh extends Activation {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

export class Sigmoid extends Activation {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

export class Softplus extends Activation {
  forward(x: Tensor): Tensor {
    return softplus(x);
  }
}

/** A factory the model builders call once per activation site. */
export type ActivationFactory = () => Module;

/** Builds a ReLU (the default activation of every model). */
export const reluFactory: ActivationFactory = () => new ReLU();
