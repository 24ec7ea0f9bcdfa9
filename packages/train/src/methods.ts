import { Generator, ValueError, add, countCorrect, clamp, maximum, minimum, mul, noGrad, sign, sub, tidy, zeros, type Tensor } from '@kwta/core';
import { crossEntropy, klDivergence, type Module } from '@kwta/nn';
import type { Optimizer } from '@kwta/optim';
import { checkInnerMax, maximizeInBall } from './inner-max.js';

/** The training methods the paper uses. */
export type Method = 'natural' | 'at' | 'trades' | 'free';
/** Every training method: natural, adversarial (PGD AT), TRADES, free adversarial training. */
export const METHODS: readonly Method[] = ['natural', 'at', 'trades', 'free'];

/** Options of a training method: the adversary's radius and steps, TRADES' beta, free training's replays. */
export interface MethodOptions {
  /** L-inf radius of the adversary during training (at, trades, free). */
  eps?: number;
  /** Inner PGD steps (at, trades; paper: 8) and their size (default 2.5 · eps / steps). */
  attackSteps?: number;
  stepSize?: number;
  /** TRADES' beta = 1/lambda (paper: 6). */
  tradesBeta?: number;
  /** Free adversarial training's replays per minibatch m (paper: 8). */
  freeReplays?: number;
}

/** What one training step reports: the mean loss, correct predictions, examples and optimizer updates. */
export interface StepResult {
  /** Mean training loss over the updates of this batch. */
  loss: number;
  /** Correct predictions (on the inputs the update trained on) and examples seen. */
  correct: number;
  count: number;
  /** Optimizer updates taken (free training takes m per batch). */
  updates: number;
}

/** Everything a method's step needs; `gen` drives every random choice of the step. */
export interface StepContext {
  model: Module;
  optimizer: Optimizer;
  gen: Generator;
}

/** A method's options with their defaults filled in and checked. */
export function resolveMethodOptions(method: Method, o: MethodOptions) {
  if (!METHODS.includes(method)) throw new ValueError(`train: unknown method '${method}' (expected ${METHODS.join(', ')})`);
  const eps = o.eps ?? 0;
  const attackSteps = o.attackSteps ?? 8;
  const r = {
    eps,
    attackSteps,
    stepSize: o.stepSize ?? (attackSteps > 0 ? (2.5 * eps) / attackSteps : 0),
    tradesBeta: o.tradesBeta ?? 6,
    freeReplays: o.freeReplays ?? 8,
  };
  if (method !== 'natural') {
    if (!(eps > 0)) throw new ValueError(`train: method '${method}' needs eps > 0, got ${o.eps}`);
    checkInnerMax(`train (${method})`, { eps, steps: r.attackSteps, stepSize: r.stepSize });
  }
  if (!(r.tradesBeta >= 0)) throw new ValueError(`train: tradesBeta must be >= 0, got ${r.tradesBeta}`);
  if (!Number.isInteger(r.freeReplays) || r.freeReplays < 1) throw new ValueError(`train: freeReplays must be a positive integer, got ${r.freeReplays}`);
  return r;
}

export type ResolvedMethodOptions = ReturnType<typeof resolveMethodOptions>;

/** Hits of a batch's logits against its labels. */
const correctIn = (logits: Tensor, labels: Tensor): number => countCorrect(logits.argmax(1).dataSync(), labels.dataSync());

/** One optimizer update on `loss(model)`; returns the loss value. */
function update(ctx: StepContext, lossOf: () => { loss: Tensor; logits: Tensor }, labels: Tensor): { loss: number; correct: number } {
  return tidy(() => {
    ctx.optimizer.zeroGrad();
    const { loss, logits } = lossOf();
    loss.backward();
    ctx.optimizer.step();
    return { loss: loss.item(), correct: correctIn(logits, labels) };
  });
}

/**
 * One batch of training with `method`. The adversary of `at` and `trades` is crafted with the
 * model in eval mode (as Madry's and the paper's code do: BatchNorm statistics are not polluted
 * by adversarial batches), then the update runs in train mode.
 */
export function trainStep(method: Method, ctx: StepContext, x: Tensor, y: Tensor, o: ResolvedMethodOptions, freeState: FreeState): StepResult {
  const { model } = ctx;
  const n = x.shape[0];
  switch (method) {
    case 'natural': {
      model.train();
      const r = update(ctx, () => {
        const logits = model.forward(x);
        return { loss: crossEntropy(logits, y), logits };
      }, y);
      return { ...r, count: n, updates: 1 };
    }
    case 'at': {
      model.eval();
      const xAdv = maximizeInBall(x, (xa) => crossEntropy(model.forward(xa), y, { reduction: 'sum' }), {
        eps: o.eps, steps: o.attackSteps, stepSize: o.stepSize, start: 'uniform', gen: ctx.gen,
      });
      model.train();
      const r = update(ctx, () => {
        const logits = model.forward(xAdv);
        return { loss: crossEntropy(logits, y), logits };
      }, y);
      xAdv.dispose();
      return { ...r, count: n, updates: 1 };
    }
    case 'trades': {
      model.eval();
      const natural = noGrad(() => model.forward(x));
      const xAdv = maximizeInBall(x, (xa) => klDivergence(model.forward(xa), natural, { reduction: 'sum' }), {
        eps: o.eps, steps: o.attackSteps, stepSize: o.stepSize, start: 'normal', gen: ctx.gen,
      });
      natural.dispose();
      model.train();
      const r = update(ctx, () => {
        const logits = model.forward(x);
        const robust = klDivergence(model.forward(xAdv), logits);
        return { loss: add(crossEntropy(logits, y), mul(robust, o.tradesBeta)), logits };
      }, y);
      xAdv.dispose();
      return { ...r, count: n, updates: 1 };
    }
    case 'free':
      return freeStep(ctx, x, y, o, freeState);
  }
}

/**
 * Free adversarial training (Shafahi et al. 2019): replay the batch m times; each backward pass
 * yields the weight gradient (one optimizer step) and the input gradient, which moves the
 * perturbation delta by eps·sign(grad). Delta carries over to the next batch.
 */
export class FreeState {
  delta: Tensor | null = null;

  /** Drop the perturbation carried between batches (free training starts again from zero). */
  reset(): void {
    this.delta?.dispose();
    this.delta = null;
  }
}

function freeStep(ctx: StepContext, x: Tensor, y: Tensor, o: ResolvedMethodOptions, state: FreeState): StepResult {
  const { model, optimizer } = ctx;
  model.train();
  if (!state.delta || state.delta.shape.join() !== x.shape.join()) {
    state.reset();
    state.delta = zeros(x.shape, x.dtype).keep();
  }
  let lossSum = 0, correct = 0;
  for (let r = 0; r < o.freeReplays; r++) {
    tidy(() => {
      optimizer.zeroGrad();
      const delta = state.delta!.detach().requireGrad();
      const logits = model.forward(clamp(add(x, delta), 0, 1));
      const loss = crossEntropy(logits, y);
      loss.backward();
      optimizer.step();
      lossSum += loss.item();
      correct += correctIn(logits, y);
      const next = noGrad(() => minimum(maximum(add(delta, mul(sign(delta.grad!), o.eps)), -o.eps), o.eps));
      state.delta!.assign(next);
      delta.zeroGrad();
      // Keep x + delta inside [0, 1] so the stored delta is the one actually applied.
      state.delta!.assign(noGrad(() => sub(clamp(add(x, state.delta!), 0, 1), x)));
    });
  }
  return { loss: lossSum / o.freeReplays, correct: correct / o.freeReplays, count: x.shape[0], updates: o.freeReplays };
}
