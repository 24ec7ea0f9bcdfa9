import { describe, expect, it } from 'vitest';
import {
  CpuBackend, Generator, GradientError, conv2d, gradients, grad, kWinners, matmul, mul, noGrad, ones,
  randn, setBackend, getBackend, sum, tensor, valueAndGrad, type Backend, type KernelName,
} from '../src/index.js';
import { gradRules } from '../src/internal.js';

describe('tape autodiff', () => {
  it('backward fills .grad and accumulates across calls', () => {
    const x = tensor([1, 2, 3]).requireGrad();
    sum(mul(x, x)).backward();
    expect(x.grad!.toArray()).toEqual([2, 4, 6]);
    sum(mul(x, 3)).backward();
    expect(x.grad!.toArray()).toEqual([5, 7, 9]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
  });

  it('a tensor used twice gets both contributions', () => {
    const x = tensor([2]).requireGrad();
    const y = x.mul(x).add(x);
    y.sum().backward();
    expect(x.grad!.item()).toBe(5);
  });

  it('noGrad records nothing; detach cuts the graph', () => {
    const x = tensor([1, 2]).requireGrad();
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(() => sum(y).backward()).toThrow(GradientError);
    const z = x.detach().mul(2).add(x);
    sum(z).backward();
    expect(x.grad!.toArray()).toEqual([1, 1]);
  });

  it('the graph is freed after backward unless retained', () => {
    const x = tensor([1, 2]).requireGrad();
    const loss = sum(x.mul(x));
    loss.backward();
    expect(() => loss.backward()).toThrow(/already freed/);
    const loss2 = sum(x.mul(x));
    loss2.backward(undefined);
    const x2 = tensor([1]).requireGrad();
    const l3 = sum(x2.mul(x2));
    const [g1] = gradients(l3, [x2], { retainGraph: true });
    const [g2] = gradients(l3, [x2]);
    expect(g1.item()).toBe(2);
    expect(g2.item()).toBe(2);
  });

  it('valueAndGrad differentiates only what was asked for', () => {
    const f = (a: ReturnType<typeof tensor>, b: ReturnType<typeof tensor>) => sum(matmul(a, b));
    const { value, grads } = valueAndGrad(f, [1])(tensor([[1, 2]]), tensor([[3], [4]]));
    expect(value.item()).toBe(11);
    expect(grads).toHaveLength(1);
    expect(grads[0].toArray()).toEqual([[1], [2]]);
    const [ga, gb] = grad(f)(tensor([[1, 2]]), tensor([[3], [4]]));
    expect(ga.toArray()).toEqual([[3, 4]]);
    expect(gb.toArray()).toEqual([[1], [2]]);
  });

  it('input gradients of a conv net skip the filter-gradient kernel entirely', () => {
    const counts = new Map<KernelName, number>();
    const inner = new CpuBackend();
    const counting: Backend = {
      name: 'counting-cpu',
      alloc: (d, n) => inner.alloc(d, n),
      write: (id, v) => inner.write(id, v),
      read: (id) => inner.read(id),
      free: (id) => inner.free(id),
      memory: () => inner.memory(),
      run: (k, i, a) => {
        counts.set(k, (counts.get(k) ?? 0) + 1);
        return inner.run(k, i, a);
      },
    };
    const prev = getBackend();
    setBackend(counting);
    try {
      const g = new Generator(1);
      const w = randn([4, 1, 3, 3], g).requireGrad(); // a weight that wants grads in training
      const x = randn([2, 1, 6, 6], g);
      const [dx] = grad((input) => sum(kWinners(conv2d(input, w, { padding: 1 }), 20)))(x);
      expect(dx.shape).toEqual([2, 1, 6, 6]);
      expect(counts.get('conv2dBackwardInput')).toBe(1);
      expect(counts.get('conv2dBackwardFilter') ?? 0).toBe(0);
      expect(w.grad).toBeNull();
    } finally {
      setBackend(prev);
    }
  });

  it('the tape checks every gradient shape and names the op', () => {
    const rules = gradRules();
    const saved = rules.exp;
    try {
      (rules as Record<string, unknown>).exp = () => [ones([7])];
      const x = tensor([1, 2]).requireGrad();
      expect(() => sum(x.exp()).backward()).toThrow(/exp: gradient for input 0 has shape \[7\], expected \[2\]/);
      (rules as Record<string, unknown>).exp = () => [ones([2], 'float64')];
      const y = tensor([1, 2]).requireGrad();
      expect(() => sum(y.exp()).backward()).toThrow(/exp: gradient for input 0 is float64, expected float32/);
    } finally {
      rules.exp = saved;
    }
  });

  it('k-WTA passes gradient to exactly the winners', () => {
    const x = tensor([[[[0.5, -1, 3, 2]]], [[[1, 1, 1, 0]]]]).requireGrad();
    const y = kWinners(x, 2);
    expect(y.toArray()).toEqual([[[[0, 0, 3, 2]]], [[[1, 1, 0, 0]]]]);
    sum(y).backward();
    expect(x.grad!.toArray()).toEqual([[[[0, 0, 1, 1]]], [[[1, 1, 0, 0]]]]);
  });
});
