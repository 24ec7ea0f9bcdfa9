import { Generator, ValueError, argmax, noGrad, slice, tidy, type Tensor } from '@kwta/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ATTACKS, ATTACK_NAMES, buildAttack, distance, makeAttack, type AttackName, type AttackOptions, type AttackResult, type Norm, type QuickModels } from '../src/index.js';
import { fourClassProblem } from './fixtures/problems.js';
import type { Mlp } from './fixtures/mlp.js';
import type { Blobs } from './fixtures/synthetic.js';

let net: Mlp;
let data: Blobs;
let models: QuickModels;

beforeAll(() => {
  const p = fourClassProblem();
  ({ net, test: data } = p);
  models = { surrogate: net.surrogate(), source: p.source.forward };
});

/** A radius per norm at which the small net is partly breakable. */
const RADIUS: Record<Norm, number> = { linf: 0.03, l2: 0.1, l1: 0.3 };

const build = (name: AttackName, eps: number, norm: Norm) => makeAttack(name, ATTACKS[name].quick(eps, norm, models) as AttackOptions<typeof name>);
const rows = (t: Tensor, start: number, count: number) => slice(t, [start, 0], [count, t.shape[1]]);
const preds = (t: Tensor) => tidy(() => noGrad(() => Array.from(argmax(net.forward(t), 1).dataSync())));
const seedsFor = (seed: number) => Array.from(data.y, (_, i) => (seed * 7919 + i * 104729) >>> 0);

const cases = ATTACK_NAMES.flatMap((name) => ATTACKS[name].norms.map((norm) => ({ name, norm })));

describe('every registered attack, on every norm it supports', () => {
  it('the registry is consistent: kinds, names, norms', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    for (const name of ATTACK_NAMES) {
      const e = ATTACKS[name];
      expect(e.describe.length, name).toBeGreaterThan(10);
      const a = build(name, 0.1, e.norms[0]);
      expect(a.kind, name).toBe(e.kind);
      expect(a.norm, name).toBe(e.norms[0]);
      expect(a.eps, name).toBe(0.1);
    }
  });

  for (const { name, norm } of cases) {
    it(`${name} (${norm}): eps 0 returns x; inside the ball and [0, 1]; success from a final forward; deterministic; batch-independent`, () => {
      const x = data.x.dataSync();
      const len = x.length / data.y.length;
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 1e6 }), fc.double({ min: 0.5, max: 1.5, noNaN: true }), (seed, scale) => {
          const eps = RADIUS[norm] * scale;
          const attack = build(name, eps, norm);
          const zero = attack.withEps(0).run(net.forward, data.x, data.y, { gen: new Generator(seed) });
          expect(Array.from(zero.xAdv.dataSync())).toEqual(Array.from(x));
          expect(zero.norms.every((v) => v === 0)).toBe(true);

          const seeds = seedsFor(seed);
          const r = attack.run(net.forward, data.x, data.y, { seeds });
          const adv = r.xAdv.dataSync();
          expect(r.xAdv.shape).toEqual(data.x.shape);
          expect(adv.every((v) => v >= 0 && v <= 1)).toBe(true);
          for (let i = 0; i < data.y.length; i++) {
            const d = distance(adv, x, i * len, len, norm);
            expect(d, `row ${i}`).toBeLessThanOrEqual(eps);
            expect(r.norms[i]).toBeCloseTo(d, 6);
          }
          expect(r.success).toEqual(preds(r.xAdv).map((p, i) => p !== data.y[i]));
          expect(r.forwardCount.every((c) => Number.isInteger(c) && c >= 1)).toBe(true);
          expect(r.gradCount.every((c) => Number.isInteger(c) && c >= 0)).toBe(true);

          const again = attack.run(net.forward, data.x, data.y, { seeds });
          expect(Array.from(again.xAdv.dataSync())).toEqual(Array.from(adv));

          // Each example's result depends on its own seed only, not on the batch it ran in.
          const halves: AttackResult[] = [0, 6].map((s) => attack.run(net.forward, rows(data.x, s, 6), data.y.subarray(s, s + 6), { seeds: seeds.slice(s, s + 6) }));
          expect([...halves[0].xAdv.dataSync(), ...halves[1].xAdv.dataSync()]).toEqual(Array.from(adv));
          expect([...halves[0].success, ...halves[1].success]).toEqual(r.success);
        }),
        { numRuns: 2 },
      );
    });
  }

  it('bad settings are typed errors naming the argument', () => {
    for (const { name, norm } of cases) {
      const opts = ATTACKS[name].quick(0.1, norm, models) as Record<string, unknown>;
      for (const eps of [-0.1, Number.NaN]) {
        expect(() => makeAttack(name, { ...opts, eps } as never), `${name} eps ${eps}`).toThrow(ValueError);
        expect(() => makeAttack(name, { ...opts, eps } as never), name).toThrow(/eps must be a number >= 0/);
      }
      expect(() => makeAttack(name, { ...opts, norm: 'l3' } as never), name).toThrow(/norm/);
      expect(() => makeAttack(name, { ...opts, norm: 'l3' } as never), name).toThrow(ValueError);
    }
    expect(() => makeAttack('nope' as AttackName, { eps: 0.1 } as never)).toThrow(/unknown attack 'nope'/);
    expect(() => makeAttack('square', { eps: 0.1, norm: 'l1' })).toThrow(/supports norm linf, l2, got 'l1'/);
  });

  it('buildAttack: every registered attack from one set of front-end settings, on every norm it supports; what is missing or unsupported is a ValueError', () => {
    for (const { name, norm } of cases) {
      const settings = { eps: 0.2, norm, steps: 3, stepSize: 0.05, iterations: 4, restarts: 1, queries: 7, budget: 0.01, estimation: { steps: 2, stepSize: 0.02, samples: { initial: 2, max: 2, doubleEvery: 1 } }, ...models };
      const a = buildAttack(name, settings);
      expect(a.eps, name).toBe(0.2);
      expect(a.norm, name).toBe(norm);
      expect(a.kind, name).toBe(ATTACKS[name].kind);
    }
    // The settings reach the attacks (names carry them), overrides win over them.
    expect(buildAttack('pgd', { eps: 0.1, steps: 3 }).name).toBe('PGD(linf, eps=0.1, 3x1, ce)');
    expect(buildAttack('square', { eps: 0.1, norm: 'l2', queries: 7 }).name).toBe('Square(l2, eps=0.1, 7 queries)');
    expect(buildAttack('apgd-ce', { eps: 0.1, iterations: 4 }).name).toBe('APGD-CE(linf, eps=0.1, 4x1)');
    expect(buildAttack('autoattack', { eps: 0.1, version: 'rand', iterations: 2 }).name).toMatch(/^AutoAttack\(rand, linf, eps=0.1, 2 steps/);
    expect(buildAttack('pgd', { eps: 0.1 }, { name: 'mine' }).name).toBe('mine');
    expect(() => buildAttack('bpda', { eps: 0.1 })).toThrow(/'bpda' needs settings.surrogate/);
    expect(() => buildAttack('transfer', { eps: 0.1 })).toThrow(/'transfer' needs settings.source/);
    expect(() => buildAttack('square', { eps: 0.1, norm: 'l1' })).toThrow(ValueError);
    expect(() => buildAttack('nope' as AttackName, { eps: 0.1 })).toThrow(/unknown attack 'nope'/);
  });
});
