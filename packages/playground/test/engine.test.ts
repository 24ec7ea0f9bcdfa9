import { describe, expect, it } from 'vitest';
import { encodeSafetensors } from '@kwta/nn';
import { NETS, type ModelSpec, type TrainConfig } from '../src/protocol.js';
import { buildModel } from '../src/engine/models.js';
import { scoreboard, sweepRadii } from '../src/engine/scoreboard.js';
import { PairTrainer } from '../src/engine/trainer.js';
import { fitFigure1, figure1StartPoints } from '../src/engine/figure1.js';
import { landscapes } from '../src/engine/landscape.js';
import { digitPixels } from '../src/engine/data.js';
import { nodeDigitSets } from './helpers/digits.js';
import { trainedPair } from './helpers/trained.js';

const SPEC: ModelSpec = { arch: 'mlp', hidden: 32, gamma: 0.2, seed: 5 };
const CONFIG: TrainConfig = { model: SPEC, epochs: 2, trainSize: 300, testSize: 50, batchSize: 64, lr: 0.003, seed: 7 };
const sets = nodeDigitSets();
const bytes = (m: ReturnType<typeof buildModel>) => Buffer.from(encodeSafetensors(m.stateDict()));

function runTrainer(config: TrainConfig) {
  const models = { relu: buildModel(config.model, 'relu'), kwta: buildModel(config.model, 'kwta') };
  const t = new PairTrainer(models, sets.train, sets.test, config);
  const reports = [];
  while (!t.finished) reports.push(t.step());
  t.dispose();
  return { models, reports, history: t.history, steps: t.steps };
}

describe('the side-by-side trainer', () => {
  it('starts both networks from the same weights (k-WTA has none of its own)', () => {
    expect(bytes(buildModel(SPEC, 'relu')).equals(bytes(buildModel(SPEC, 'kwta')))).toBe(true);
    expect(bytes(buildModel({ ...SPEC, seed: 6 }, 'relu')).equals(bytes(buildModel(SPEC, 'relu')))).toBe(false);
  });

  it('runs epochs x batches steps, reports each epoch once, and repeats itself for a seed', () => {
    const a = runTrainer(CONFIG), b = runTrainer(CONFIG);
    expect(a.steps).toBe(2 * Math.ceil(300 / 64));
    expect(a.reports.filter((r) => r.epochResult).map((r) => r.step)).toEqual([5, 10]);
    expect(a.history).toHaveLength(2);
    expect(b.history).toEqual(a.history);
    for (const net of NETS) expect(bytes(a.models[net]).equals(bytes(b.models[net]))).toBe(true);
    for (const r of a.reports) for (const net of NETS) expect(r.nets[net].msPerStep).toBeGreaterThan(0);
    expect(bytes(a.models.relu).equals(bytes(a.models.kwta))).toBe(false);
  });

  it('refuses settings it cannot run, naming them', () => {
    const models = { relu: buildModel(SPEC, 'relu'), kwta: buildModel(SPEC, 'kwta') };
    expect(() => new PairTrainer(models, sets.train, sets.test, { ...CONFIG, epochs: 0 })).toThrow(/epochs must be a positive integer, got 0/);
    expect(() => new PairTrainer(models, sets.train, sets.test, { ...CONFIG, lr: -1 })).toThrow(/learning rate must be > 0/);
  });
});

describe('scoreboard, Figure 1 and the landscape, as the worker runs them', () => {
  it('sweeps eps around the chosen radius and always ends where the ball covers the image', () => {
    expect(sweepRadii(0.3)).toEqual([0.1, 0.2, 0.4, 0.6, 1]);
    expect(sweepRadii(0.6)).toEqual([0.2, 0.4, 0.8, 1]);
    expect(sweepRadii(1)).toEqual([0.333, 0.667, 1]);
  });

  it('scores both networks through the attacks harness, checks included', () => {
    const { models } = trainedPair(sets, SPEC);
    const seen: string[] = [];
    const view = scoreboard(models, sets.test, { examples: 4, eps: 0.3, steps: 2, attacks: ['pgd', 'square'], seed: 1 }, (p) => seen.push(p.net));
    expect(view.labels).toEqual(Array.from(sets.test.labels.subarray(0, 4)));
    for (const net of NETS) {
      const r = view.reports[net];
      expect(r.examples).toBe(4);
      expect(r.robust).toHaveLength(4);
      expect(r.checks.map((c) => c.name)).toEqual(['accuracy-falls-with-eps', 'stronger-attack-not-weaker', 'white-box-beats-black-box']);
      expect(r.checks[0].data.eps).toEqual([0.1, 0.2, 0.3, 0.4, 0.6, 1]);
      expect(r.attacks.length).toBe(4);
    }
    expect(new Set(seen)).toEqual(new Set(NETS));
  });

  it('fits Figure 1 through the points given and finds the k-WTA jumps', () => {
    const points = figure1StartPoints(8);
    expect(points).toHaveLength(8);
    const view = fitFigure1({ points, gamma: 0.1, width: 32, steps: 300, seed: 1 });
    expect(view.points).toEqual(points);
    expect(view.relu.discontinuities).toEqual([]);
    expect(view.kwta.curve.length).toBe(400);
  });

  it('draws both loss landscapes over the same grid, with experiments\' chart', () => {
    const models = { relu: buildModel(SPEC, 'relu'), kwta: buildModel(SPEC, 'kwta') };
    const view = landscapes(models, digitPixels(sets.test, 0), sets.test.labels[0], 0.2, 5, 1);
    for (const net of NETS) {
      expect(view.nets[net].axis).toEqual([-0.2, -0.1, 0, 0.1, 0.2].map((v) => expect.closeTo(v, 12)));
      expect(view.nets[net].loss.flat().every(Number.isFinite)).toBe(true);
    }
    expect(JSON.stringify(view.spec)).toContain('k-WTA');
  });
});
