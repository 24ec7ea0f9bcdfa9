import { afterAll, describe, expect, it } from 'vitest';
import { AnomalyError, div, detectAnomaly, log, matmul, memory, setDetectAnomaly, sqrt, tensor, tidy } from '../src/index.js';
import { withBackend } from '../src/testing/index.js';
import { BACKENDS } from './backends.js';

// As torch.autograd.detect_anomaly: opt-in, it names the first op whose output is not finite,
// in the forward pass or the backward pass (with the op whose gradient rule ran it).
describe.each(BACKENDS)('anomaly mode on the %s', (_label, make) => {
  const backend = make();
  afterAll(() => backend.dispose?.());

  it('is off by default: log(0) is -Infinity, silently', () => {
    withBackend(backend, () => tidy(() => {
      expect(Array.from(log(tensor([0, 1])).dataSync())).toEqual([-Infinity, 0]);
    }));
  });

  it('names the first op whose output is not finite, where, and the shapes', () => {
    withBackend(backend, () => tidy(() => {
      const x = tensor([[1, 2], [0, 3]]);
      const before = memory().numBuffers;
      expect(() => detectAnomaly(() => log(x))).toThrow(AnomalyError);
      expect(() => detectAnomaly(() => log(x))).toThrow('anomaly: unary log produced -Infinity at index [1, 0] of its float32 output [2, 2], from finite inputs [2, 2]');
      expect(memory().numBuffers).toBe(before); // the refused output was freed
    }));
  });

  it('says when an input already held the non-finite value', () => {
    withBackend(backend, () => tidy(() => {
      const a = tensor([[1, NaN]]), b = tensor([[1], [1]]);
      expect(() => detectAnomaly(() => matmul(a, b))).toThrow(/^anomaly: matmul produced NaN at index \[0, 0\] of its float32 output \[1, 1\]; input 0 \[1, 2\] already held NaN at index \[0, 1\]/);
    }));
  });

  it('in the backward pass, names the op whose gradient rule produced it', () => {
    withBackend(backend, () => tidy(() => {
      const x = tensor([0, 4]).requireGrad();
      const y = sqrt(x).sum();
      expect(() => detectAnomaly(() => y.backward())).toThrow(/^anomaly: binary div produced Infinity at index \[0\] of its float32 output \[2\], from finite inputs \[2\], \[2\] \(in the backward pass of sqrt\)/);
    }));
  });

  it('setDetectAnomaly switches it on and off for everything after', () => {
    withBackend(backend, () => tidy(() => {
      setDetectAnomaly(true);
      try {
        expect(() => div(tensor([1]), tensor([0]))).toThrow(AnomalyError);
      } finally {
        setDetectAnomaly(false);
      }
      expect(Array.from(div(tensor([1]), tensor([0])).dataSync())).toEqual([Infinity]);
    }));
  });
});
