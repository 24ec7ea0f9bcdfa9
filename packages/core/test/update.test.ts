import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ShapeError, ValueError, add, mul, sgdUpdate, sub, tensor, tidy, type SgdUpdateOptions, type Tensor } from '../src/index.js';
import { withBackend } from '../src/testing/index.js';
import { BACKENDS } from './backends.js';

/** The update as @kwta/optim's SGD wrote it before the fused kernel: one op per step of PyTorch's rule. */
function composed(p: Tensor, grad: Tensor, prev: Tensor | null, o: Required<Omit<SgdUpdateOptions, 'inPlace'>>): Tensor[] {
  const g = o.weightDecay !== 0 ? add(grad, mul(p, o.weightDecay)) : grad;
  if (o.momentum === 0) return [sub(p, mul(g, o.lr))];
  const buf = prev ? add(mul(prev, o.momentum), mul(g, 1 - o.dampening)) : g;
  return [sub(p, mul(o.nesterov ? add(g, mul(buf, o.momentum)) : buf, o.lr)), buf];
}

const options: fc.Arbitrary<Required<Omit<SgdUpdateOptions, 'inPlace'>>> = fc.record({
  lr: fc.double({ min: 0, max: 2, noNaN: true }),
  momentum: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
  dampening: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
  weightDecay: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.5, noNaN: true })),
  nesterov: fc.boolean(),
});

/** float32 values with the specials mixed in: NaN, ±Infinity, ±0. */
const values = (n: number) => fc.array(fc.oneof(
  { weight: 8, arbitrary: fc.float({ noNaN: true, min: -4, max: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 0, -0) },
), { minLength: n, maxLength: n });

describe.each(BACKENDS)('sgdUpdate (fused SGD step): %s', (_label, make) => {
  const backend = make();
  afterAll(() => backend.dispose?.());

  it('equals the composed ops bit for bit (weight decay, momentum first and later, dampening, Nesterov, specials, tails)', () => withBackend(backend, () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 70 }).chain((n) => fc.tuple(fc.constant(n), values(n), values(n), values(n))), options, fc.boolean(), ([n, pv, gv, bv], o, later) => tidy(() => {
      const [p, g, b] = [pv, gv, bv].map((v) => tensor(Float32Array.from(v), [n]));
      const prev = later ? b : null;
      const fused = sgdUpdate(p, g, prev, o);
      const want = composed(p, g, prev, o);
      expect(fused.buffer === null).toBe(o.momentum === 0);
      [fused.param, ...(fused.buffer ? [fused.buffer] : [])].forEach((t, i) => {
        const got = t.dataSync(), w = want[i].dataSync();
        for (let j = 0; j < n; j++) if (!Object.is(got[j], w[j])) expect.fail(`output ${i} element ${j}: fused ${got[j]}, composed ${w[j]}`);
      });
    })), { seed: 20261130, numRuns: 60 });
  }));

  it('inPlace: the same numbers; on the wasm heap the results take over storage nothing else shares, never shared storage', () => withBackend(backend, () => tidy(() => {
    const o = { lr: 0.1, momentum: 0.9, weightDecay: 0.01 };
    const make = () => [tensor([1, -2, 3, 0.5, 7]), tensor([0.3, 0.1, -1, 2, 0]), tensor([0.5, 0.5, -0.25, 1, 2])];
    const [p0, g0, b0] = make();
    const want = sgdUpdate(p0, g0, b0, o);
    const [p, g, b] = make();
    const [pStorage, bStorage] = [p.storage, b.storage];
    const got = sgdUpdate(p, g, b, { ...o, inPlace: true });
    expect(Array.from(got.param.dataSync())).toEqual(Array.from(want.param.dataSync()));
    expect(Array.from(got.buffer!.dataSync())).toEqual(Array.from(want.buffer!.dataSync()));
    const inHeap = backend.name === 'wasm' && (backend as unknown as { tensorsInWasm: boolean }).tensorsInWasm;
    expect(got.param.storage === pStorage).toBe(inHeap);
    expect(got.buffer!.storage === bStorage).toBe(inHeap);
    // A parameter whose storage another tensor shares (a detached view) is never written over.
    const [q, h, c] = make();
    const view = q.detach();
    const before = Array.from(view.dataSync());
    const shared = sgdUpdate(q, h, c, { ...o, inPlace: true });
    expect(shared.param.storage).not.toBe(q.storage);
    expect(Array.from(view.dataSync())).toEqual(before);
  })));

  it('refuses mismatched operands and bad hyperparameters', () => withBackend(backend, () => tidy(() => {
    const p = tensor([1, 2, 3]);
    expect(() => sgdUpdate(p, tensor([1, 2]), null, { lr: 0.1 })).toThrow(ShapeError);
    expect(() => sgdUpdate(p, tensor([1, 2, 3]), tensor([1]), { lr: 0.1, momentum: 0.9 })).toThrow(ShapeError);
    expect(() => sgdUpdate(p, tensor([1, 2, 3]), null, { lr: -1 })).toThrow(ValueError);
    expect(() => sgdUpdate(p, tensor([1, 2, 3]), null, { lr: 0.1, momentum: NaN })).toThrow(/momentum must be a finite number/);
  })));
});
