import { describe, expect, it } from 'vitest';
import { formatProfile, profileTrainingStep } from '../src/index.js';

describe('kwta bench --profile', () => {
  it('shows a k-WTA training step kernel by kernel, selection included', () => {
    const p = profileTrainingStep(true, 1, 16);
    const keys = p.kernels.map((k) => k.key);
    for (const k of ['conv2d float32', 'conv2dBackwardFilter float32', 'conv2dBackwardInput float32', 'matmul float32', 'topkMask float32']) expect(keys).toContain(k);
    // Four convolutions and the hidden layer each select once per step.
    expect(p.kernels.find((k) => k.key === 'topkMask float32')!.calls).toBe(5);
    expect(p.totalMs).toBeGreaterThanOrEqual(p.kernelMs);
    const text = formatProfile('k-WTA step', p, 3);
    expect(text.split('\n')).toHaveLength(1 + 3 + 2);
    expect(text).toMatch(/^k-WTA step: [\d.]+ ms per step, [\d.]+ ms in kernels\n/);
    expect(text).toMatch(/outside kernels \(autodiff, JS\)/);
  });
});
