import { describe, expect, it } from 'vitest';
import { benchTrainingStep, firstMnistBatch, formatBench, formatProfile, profileTrainingStep } from '../src/index.js';

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

describe('kwta bench: the k-WTA/ReLU training-step ratio per hidden width', () => {
  it('compares both steps at the width asked for (a tiny one here; the command defaults to 1024 and 20000), goal 0.5x at the paper\'s width', () => {
    const batch = firstMnistBatch();
    const row = benchTrainingStep(1, 16, batch);
    expect(row.case).toBe('MNIST-CNN training step (batch 64, hidden 16)');
    expect(row.reluMs).toBeGreaterThan(0);
    expect(row.ratio).toBeCloseTo(row.kwtaMs / row.reluMs, 10);
    expect(row.goal).toBe(1.05);
    expect(formatBench([row])).toMatch(/hidden 16\).*ReLU .* ms {2}k-WTA .* ms {2}k-WTA\/ReLU [\d.]+x {2}\(goal <= 1.05x\) (met|MISSED)/);
  });

  it('profiles by layer: each kernel keyed by its input shapes', () => {
    const p = profileTrainingStep(true, 1, 16, firstMnistBatch(), true);
    expect(p.kernels.some((k) => k.key === 'matmul float32 tB [64,3136] [16,3136]')).toBe(true);
  });
});
