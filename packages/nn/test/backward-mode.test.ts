import { Generator, ValueError, kwtaSmooth, kwtaStraightThrough, mul, randn, reshape, sum, tensor, tidy, valueAndGrad, type Tensor } from '@kwta/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { KWTA, KWTAChannel, KWTAFixedK, LWTA, Linear, ReLU, Sequential, WinnerTakeAll, bpdaSurrogate, smoothBackward, withBackwardMode } from '../src/index.js';
import { distinctValues } from './values.js';

const arr = (t: Tensor) => Array.from(t.dataSync());

/** Value and d(sum(f(x) * w))/dx, as plain arrays. */
function valueAndInputGrad(f: (x: Tensor) => Tensor, x: Tensor, w: Tensor): { value: number[]; grad: number[] } {
  return tidy(() => {
    let y: Tensor | null = null;
    const { grads } = valueAndGrad((t: Tensor) => sum(mul((y = f(t)), w)))(x);
    return { value: arr(y!), grad: arr(grads[0]) };
  });
}

/** Each layer with an input shape and its rows as the smooth surrogate sees them ([R, L], k). */
const LAYERS: [string, () => WinnerTakeAll, number[], (x: Tensor) => { rows: Tensor; k: number }][] = [
  ['KWTA', () => new KWTA({ gamma: 0.3 }), [2, 2, 3, 3], (x) => ({ rows: reshape(x, [2, 18]), k: 5 })],
  ['KWTAChannel', () => new KWTAChannel({ gamma: 0.5 }), [2, 3, 2, 2], (x) => ({ rows: reshape(x, [6, 4]), k: 2 })],
  ['KWTAFixedK', () => new KWTAFixedK({ k: 3 }), [3, 7], (x) => ({ rows: x, k: 3 })],
  ['LWTA', () => new LWTA({ groupSize: 3 }), [2, 9], (x) => ({ rows: reshape(x, [6, 3]), k: 1 })],
];

describe('WinnerTakeAll backward modes', () => {
  it('every exported winner-take-all layer is in the table below', () => {
    // Concrete layers define `selection`; abstract bases such as RatioKWTA do not.
    const layers = Object.entries(nn).filter(([, v]) => typeof v === 'function' && v.prototype instanceof WinnerTakeAll && Object.hasOwn(v.prototype, 'selection'));
    expect(layers.map(([name]) => name).sort()).toEqual(LAYERS.map(([name]) => name).sort());
  });

  for (const [name, make, shape, rowsOf] of LAYERS) {
    it(`${name}: the sigmoid mode keeps the exact forward value and takes kwtaSmooth's gradient (property)`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 ** 30 }), fc.double({ min: 0.05, max: 2, noNaN: true }), (seed, temperature) => {
          const g = new Generator(seed);
          const n = shape.reduce((a, b) => a * b, 1);
          const x = tensor(distinctValues(g, n), shape, 'float64');
          const w = randn(shape, g, { dtype: 'float64' });
          const layer = make();
          const exact = valueAndInputGrad((t) => layer.forward(t), x, w);
          layer.backwardMode = smoothBackward(temperature);
          const smooth = valueAndInputGrad((t) => layer.forward(t), x, w);
          const reference = valueAndInputGrad((t) => {
            const { rows, k } = rowsOf(t);
            return reshape(kwtaSmooth(rows, k, { temperature }), shape);
          }, x, w);
          expect(smooth.value).toEqual(exact.value);
          expect(smooth.grad).toEqual(reference.grad);
          expect(smooth.grad).not.toEqual(exact.grad); // losers get gradient through the gate
          x.dispose();
          w.dispose();
        }),
        { numRuns: 10 },
      );
    });
  }

  it('refuses a mode that is not exact or a sigmoid with a positive temperature', () => {
    const layer = new KWTA({ gamma: 0.1 });
    expect(() => (layer.backwardMode = { kind: 'sigmoid', temperature: 0 })).toThrow(/temperature must be a finite number > 0, got 0/);
    expect(() => (layer.backwardMode = 'smooth' as never)).toThrow(ValueError);
    expect(() => smoothBackward(-1)).toThrow(/smoothBackward: .* got -1/);
    expect(layer.backwardMode).toBe('exact');
  });
});

describe('withBackwardMode and bpdaSurrogate', () => {
  const gen = () => new Generator(5);
  const build = () => {
    const g = gen();
    return new Sequential(new Linear(6, 12, { gen: g }), new KWTA({ gamma: 0.25 }), new Linear(12, 12, { gen: g }), new LWTA({ groupSize: 2 }), new Linear(12, 3, { gen: g }));
  };

  it('sets every WTA layer for the scope and restores each previous mode, also on throw', () => {
    const model = build();
    const [kwta, lwta] = [model.at(1) as WinnerTakeAll, model.at(3) as WinnerTakeAll];
    const own = smoothBackward(0.5);
    lwta.backwardMode = own;
    const inside = withBackwardMode(model, smoothBackward(0.1), () => [kwta.backwardMode, lwta.backwardMode]);
    expect(inside).toEqual([smoothBackward(0.1), smoothBackward(0.1)]);
    expect([kwta.backwardMode, lwta.backwardMode]).toEqual(['exact', own]);
    expect(() => withBackwardMode(model, smoothBackward(), () => { throw new Error('boom'); })).toThrow('boom');
    expect([kwta.backwardMode, lwta.backwardMode]).toEqual(['exact', own]);
    expect(() => withBackwardMode(model, { kind: 'tanh' } as never, () => 0)).toThrow(/withBackwardMode: backward mode must be/);
  });

  it('bpdaSurrogate: the model\'s own values, the gradient of the same net with kwtaStraightThrough in place of k-WTA', () => {
    const model = build();
    const x = randn([4, 6], new Generator(1));
    const w = randn([4, 3], new Generator(2));
    const [l0, l2, l4] = [model.at(0), model.at(2), model.at(4)];
    const byHand = valueAndInputGrad((t) => {
      const h = kwtaStraightThrough(l0.forward(t), 3); // k = floor(0.25 * 12)
      const groups = reshape(l2.forward(h), [4 * 6, 2]);
      return l4.forward(reshape(kwtaStraightThrough(groups, 1), [4, 12]));
    }, x, w);
    const surrogate = bpdaSurrogate(model);
    const viaMode = valueAndInputGrad((t) => surrogate.forward(t), x, w);
    expect(viaMode.grad).toEqual(byHand.grad);
    expect(viaMode.value).toEqual(tidy(() => arr(model.forward(x))));
    expect(model.modules().every((m) => !(m instanceof KWTA || m instanceof LWTA) || m.backwardMode === 'exact')).toBe(true);
    // Without WTA layers the surrogate is the model itself (BPDA degenerates to PGD).
    const plain = new Sequential(new Linear(6, 3, { gen: gen() }), new ReLU());
    expect(valueAndInputGrad((t) => bpdaSurrogate(plain).forward(t), x, w)).toEqual(valueAndInputGrad((t) => plain.forward(t), x, w));
    x.dispose();
    w.dispose();
  });
});
