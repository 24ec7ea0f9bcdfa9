import { Generator } from '@kwta/core';

/**
 * A seed for an independent stream, derived from a base seed and stream coordinates (epoch,
 * batch, ...). Hashing the coordinates instead of replaying a generator lets any epoch or batch
 * be reproduced directly, in any order.
 */
export function deriveSeed(seed: number, ...stream: number[]): number {
  let h = mix32(Math.floor(seed) >>> 0) ^ mix32(Math.floor(seed / 2 ** 32) >>> 0);
  let g = 0x2545f491;
  for (const s of stream) {
    h = mix32((h ^ mix32(s >>> 0)) >>> 0);
    g = mix32((g + h + 0x9e3779b9) >>> 0);
  }
  // 53 bits, so the two halves reach the Generator's seeding as distinct words.
  return (g & 0x1fffff) * 2 ** 32 + h;
}

/** A Generator for the independent stream at (seed, ...stream); see {@link deriveSeed}. */
export function generatorFor(seed: number, ...stream: number[]): Generator {
  return new Generator(deriveSeed(seed, ...stream));
}

function mix32(x: number): number {
  let z = (x + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
