import { describe, expect, it } from 'vitest';
import { kWinners, noGrad, tensor, tidy } from '@kwta/core';
import type { ModelSpec, Net } from '../src/protocol.js';
import { activationLayers, tapActivations } from '../src/engine/activation-tap.js';
import { margin } from '../src/engine/attack-path.js';
import { argmax, attackDigit, logitsOf } from '../src/engine/attack-run.js';
import { ATTACK_CHOICES, ATTACK_IDS } from '../src/engine/attacks.js';
import { digitPixels } from '../src/engine/data.js';
import { nodeDigitSets } from './helpers/digits.js';
import { trainedPair } from './helpers/trained.js';

const SPEC: ModelSpec = { arch: 'mlp', hidden: 64, gamma: 0.1, seed: 2 };
const sets = nodeDigitSets();
const { models, index } = trainedPair(sets, SPEC);
const pixels = digitPixels(sets.test, index), label = sets.test.labels[index];
const SETTINGS = { eps: 0.3, steps: 6 };

describe('attack paths: what the Attack panel draws', () => {
  it('the taps see each activation layer\'s pattern: positive units for ReLU, exactly the winners for k-WTA', () => {
    const model = models.kwta;
    expect(activationLayers(model).map(([name]) => name)).toEqual(['after linear 1', 'after linear 2']);
    const seen: Uint8Array[] = [];
    const tap = tapActivations(model, (i, mask) => (seen[i] = mask().mask));
    const x = tensor(Float32Array.from(pixels), [1, 1, 28, 28]);
    noGrad(() => tidy(() => model.forward(x)));
    tap.remove();
    // The first layer's winners are the top k of its pre-activations.
    const pre = noGrad(() => tidy(() => (model as unknown as { at(i: number): { forward(t: typeof x): typeof x } }).at(1).forward(x.reshape([1, 784]))));
    const winners = noGrad(() => kWinners(pre, 6).dataSync());
    expect(Array.from(seen[0])).toEqual(Array.from(winners, (v) => (v !== 0 ? 1 : 0)));
    expect(seen[0].reduce((a, b) => a + b, 0)).toBe(6);
    expect(seen[1].reduce((a, b) => a + b, 0)).toBe(6);
  });

  for (const net of ['relu', 'kwta'] as Net[]) {
    it(`${net}: every registered attack gives a repeatable path that starts at the clean digit`, () => {
      const model = models[net];
      const clean = logitsOf(model, pixels);
      for (const id of ATTACK_IDS) {
        const streamed: number[] = [];
        const v = attackDigit(model, net, pixels, label, id, SETTINGS, 4, (p) => streamed.push(p.step));
        expect(v.path.length, id).toBeGreaterThan(1);
        expect(streamed).toEqual(v.path.map((p) => p.step));
        expect(v.path[0].logits).toEqual(clean);
        expect(v.path[0].changed).toEqual([0, 0]);
        expect(v.norm).toBeLessThanOrEqual(SETTINGS.eps + 1e-6);
        expect(v.cleanPrediction).toBe(argmax(clean));
        expect(v.success).toBe(v.prediction !== label);
        for (const p of v.path.slice(1)) {
          for (const c of p.changed) {
            expect(Number.isInteger(c), `${id} ${net}`).toBe(true);
            expect(c).toBeLessThanOrEqual(net === 'kwta' ? 6 : 2 * SPEC.hidden);
          }
        }
        if (ATTACK_CHOICES[id].path === 'best-so-far') {
          const m = v.path.map((p) => margin(p.logits, label));
          for (let i = 1; i < m.length; i++) expect(m[i]).toBeLessThan(m[i - 1]);
        }
        const again = attackDigit(model, net, pixels, label, id, SETTINGS, 4);
        expect(again.path).toEqual(v.path);
        expect(again.adversarial).toEqual(v.adversarial);
      }
    });
  }

  it('PGD\'s path is its iterates: the clean digit, then one point per gradient step, and the last iterate', () => {
    for (const net of ['relu', 'kwta'] as Net[]) {
      const v = attackDigit(models[net], net, pixels, label, 'pgd', SETTINGS, 4);
      expect(v.gradients).toBeLessThanOrEqual(SETTINGS.steps);
      expect([v.gradients + 1, v.gradients + 2]).toContain(v.path.length);
    }
  });
});
