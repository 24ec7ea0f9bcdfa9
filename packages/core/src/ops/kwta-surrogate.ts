import { customGrad } from '../autodiff/custom.js';
import { gradients } from '../autodiff/tape.js';
import { enableGrad, noGrad, tidy, withSparsePath } from '../engine.js';
import { ValueError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { zerosLike } from './creation.js';
import { add, mul, sigmoid, sub } from './elementwise.js';
import { reshape, slice } from './layout.js';
import { kWinners, topk } from './select.js';

/**
 * A custom op whose value is exact(x) and whose gradient is smooth's (the vector-Jacobian
 * product of smooth at x with dy). This is BPDA's tool (Athalye, Carlini & Wagner 2018): keep
 * a non-differentiable layer's forward, give the backward pass a smooth approximation. Built
 * on `customGrad`: the forward runs exact only; smooth runs, with its graph, in the backward.
 * exact runs with the sparse path off, so its value carries no winners: the layer after stays
 * dense, as the smooth backward needs the gradient at every position, not at the winners only.
 */
export function straightThrough(exact: (x: Tensor) => Tensor, smooth: (x: Tensor) => Tensor): (x: Tensor) => Tensor {
  return customGrad((x: Tensor) => ({ value: withSparsePath('off', () => exact(x)), gradFunc: (dy) => [smoothVjp(smooth, x, dy)] }), 'straightThrough');
}

/** dy's pull-back through smooth at x: d(sum(smooth(x) * dy))/dx, recorded on a fresh leaf. */
function smoothVjp(smooth: (x: Tensor) => Tensor, x: Tensor, dy: Tensor): Tensor {
  return tidy(() => enableGrad(() => {
    const leaf = x.detach().requireGrad();
    const s = smooth(leaf);
    return s.requiresGrad ? gradients(s, [leaf], { seed: dy })[0] : noGrad(() => zerosLike(x));
  }));
}

/** Options of the smooth k-WTA surrogate BPDA differentiates through: its temperature. */
export interface KwtaSurrogateOptions {
  /**
   * Width of the sigmoid gate, relative to each row's spread (std of its activations); small
   * values approach the hard k-WTA gradient, large ones approach a linear layer. Default 0.25.
   */
  temperature?: number;
}

/** The sigmoid gate's default temperature (see KwtaSurrogateOptions). */
export const DEFAULT_SURROGATE_TEMPERATURE = 0.25;

/**
 * The smooth stand-in for k-WTA: x * sigmoid((x - t) / T), with t the midpoint between the k-th
 * and (k+1)-th largest activations of the row (held constant) and T = temperature * std(row).
 * Winners pass (gate near 1), losers are gated off, and units near the threshold — exactly the
 * ones whose swaps make k-WTA discontinuous — get a gradient that says which way to push them.
 */
export function kwtaSmooth(x: Tensor, k: number, opts: KwtaSurrogateOptions = {}): Tensor {
  const tau = opts.temperature ?? DEFAULT_SURROGATE_TEMPERATURE;
  if (!(tau > 0)) throw new ValueError(`kwtaSmooth: temperature must be > 0, got ${tau}`);
  if (x.rank < 2) throw new ValueError(`kwtaSmooth: input must be [N, ...features], got ${x.describe()}`);
  const n = x.shape[0];
  const rows = reshape(x, [n, -1]);
  const width = rows.shape[1];
  if (!Number.isInteger(k) || k < 1 || k > width) throw new ValueError(`kwtaSmooth: k must be an integer in [1, ${width}], got ${k}`);
  const { threshold, scale } = noGrad(() => {
    const top = topk(rows, Math.min(k + 1, width)).values;
    const kth = slice(top, [0, k - 1], [n, 1]);
    const next = k < width ? slice(top, [0, k], [n, 1]) : kth;
    const centred = sub(rows, rows.mean(1, true));
    const std = centred.square().mean(1, true).sqrt().add(1e-12);
    return { threshold: mul(add(kth, next), 0.5), scale: mul(std, tau) };
  });
  return reshape(sigmoidGate(rows, threshold, scale), x.shape);
}

/** rows * sigmoid((rows - threshold) / scale), threshold and scale [N, 1] constants. */
export function sigmoidGate(rows: Tensor, threshold: Tensor, scale: Tensor): Tensor {
  return mul(rows, sigmoid(sub(rows, threshold).div(scale)));
}

/**
 * k-WTA with an exact forward (kWinners) and the sigmoid-gated backward: what a k-WTA layer
 * computes in BPDA's smooth-backward mode (@kwta/nn's `WinnerTakeAll.backwardMode`), and what a
 * model written straight from ops calls in place of kWinners to build a BPDA surrogate.
 */
export function kwtaStraightThrough(x: Tensor, k: number, opts: KwtaSurrogateOptions = {}): Tensor {
  return straightThrough(
    (t) => kWinners(t, k),
    (t) => kwtaSmooth(t, k, opts),
  )(x);
}
