import { describe, expect, it } from 'vitest';
import { add, matmul, profileKernels, relu, sum, tensor, tidy } from '../src/index.js';

describe('profileKernels', () => {
  it('counts every kernel call with its op and dtype, and times them', () => {
    const p = profileKernels(() => tidy(() => {
      const x = tensor([1, -2, 3, 4], [2, 2]);
      const y = relu(add(matmul(x, x), x));
      return sum(relu(y)).dataSync()[0];
    }));
    expect(p.result).toBe(32); // relu([[1,-2],[3,4]]² + x) = [[0,0],[18,14]]
    const byKey = Object.fromEntries(p.kernels.map((k) => [k.key, k]));
    expect(byKey['matmul float32'].calls).toBe(1);
    expect(byKey['unary:relu float32'].calls).toBe(2);
    expect(byKey['binary:add float32'].calls).toBe(1);
    expect(byKey['reduce:sum float32'].calls).toBe(1);
    expect(byKey['matmul float32'].maxElements).toBe(4);
    expect(p.totalMs).toBeGreaterThanOrEqual(p.kernelMs);
    for (let i = 1; i < p.kernels.length; i++) expect(p.kernels[i - 1].ms).toBeGreaterThanOrEqual(p.kernels[i].ms);
  });

  it('by shape: one entry per kernel and input shapes (matmul with its transposes)', () => {
    const p = profileKernels(() => tidy(() => {
      const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
      matmul(x, x, { transposeB: true });
      matmul(x, x, { transposeA: true });
      relu(x);
      relu(tensor([1, 2], [2]));
    }), { byShape: true });
    expect(p.kernels.map((k) => k.key).sort()).toEqual([
      'matmul float32 tA [2,3] [2,3]', 'matmul float32 tB [2,3] [2,3]', 'unary:relu float32 [2,3]', 'unary:relu float32 [2]',
    ]);
  });

  it('stops observing afterwards, also when fn throws', () => {
    expect(() => profileKernels(() => { matmul(tensor([1, 2], [1, 2]), tensor([1, 2, 3], [3, 1])); })).toThrow(/matmul/);
    const p = profileKernels(() => 1);
    expect(p.kernels).toEqual([]);
    expect(p.kernelMs).toBe(0);
  });
});
