import { Generator, ValueError, rand, type DType, type Tensor } from '@kwta/core';

/** Options every layer with random initial weights takes. */
export interface InitOptions {
  /** The seeded random source for the initial weights (required: same seed, same model). */
  gen: Generator;
  /** Parameter dtype (default float32; float64 for gradient checks). */
  dtype?: 'float32' | 'float64';
}

/** Check a layer's init options (a seeded Generator is required) and resolve the parameter dtype. */
export function checkInit(layer: string, opts: InitOptions | undefined): { gen: Generator; dtype: DType } {
  if (!opts || !(opts.gen instanceof Generator)) {
    throw new ValueError(`${layer}: pass { gen: new Generator(seed) } so the initial weights are reproducible`);
  }
  return { gen: opts.gen, dtype: opts.dtype ?? 'float32' };
}

/**
 * PyTorch's default for Linear and Conv2d weights: kaiming_uniform_(a = sqrt(5)), which works
 * out to U(-1/sqrt(fanIn), 1/sqrt(fanIn)); the bias uses the same bound.
 */
export function defaultUniform(shape: number[], fanIn: number, gen: Generator, dtype: DType): Tensor {
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return rand(shape, gen, { low: -bound, high: bound, dtype });
}
