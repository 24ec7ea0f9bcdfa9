import { describe, expect, it } from 'vitest';
import { ValueError, type Generator } from '@kwta/core';
import { KWTA } from '@kwta/nn';
import {
  perturbationMarkdown, predict, quickBudget, renderSvg, robustnessMarkdown, robustnessSpec, robustnessVerdicts, runPerturbationTable,
  runRobustnessTable, runSparsitySweep, runTransferMatrix, sparsitySpec, transferMarkdown, transferSpec, type ImageTransform,
} from '../src/index.js';
import { tinyData, tinyNet } from './paper-helpers.js';

const budget = { ...quickBudget(0.3), steps: 5, squareQueries: 20 };

describe('Table 4: robustness table', () => {
  const { images, labels } = tinyData(12);
  const entries = [
    { label: 'ReLU', activation: 'relu', training: 'natural', model: tinyNet('relu', 1), transferSource: tinyNet('relu', 9) },
    { label: 'k-WTA-0.1', activation: 'kwta:0.1', training: 'natural', model: tinyNet('kwta', 2), transferSource: tinyNet('relu', 9) },
  ];
  const run = () => runRobustnessTable({ entries, images, labels, eps: 0.3, budget, attacks: ['pgd', 'transfer', 'bpda', 'square'], seed: 1 });
  const r = run();

  it('has one row per model with every attack, and a worst case no higher than any attack', () => {
    expect(r.rows.map((x) => x.label)).toEqual(['ReLU', 'k-WTA-0.1']);
    for (const row of r.rows) {
      expect(Object.keys(row.accuracy).sort()).toEqual(['bpda', 'pgd', 'square', 'transfer']);
      for (const acc of Object.values(row.accuracy)) expect(row.worstCase).toBeLessThanOrEqual(acc!);
      expect(row.worstCase).toBeLessThanOrEqual(row.clean);
      expect(row.paperRobust).toBe(row.accuracy.pgd);
      expect(row.standardWorst).toBe(row.accuracy.pgd);
      expect(row.survivesAdaptive).toBe(row.standardWorst! - row.worstCase <= 0.05);
    }
  });

  it('is deterministic for a seed', () => {
    const again = run();
    expect(again.rows.map((x) => ({ ...x, seconds: 0 }))).toEqual(r.rows.map((x) => ({ ...x, seconds: 0 })));
  });

  it('writes a table, verdicts and a plot', async () => {
    expect(robustnessMarkdown(r).split('\n').length).toBe(4);
    expect(robustnessVerdicts(r)[1]).toMatch(/k-WTA-0.1 \(natural\).*worst case/);
    expect(await renderSvg(robustnessSpec(r, 't'))).toContain('<svg');
  });

  it('needs a source model for the transfer attack only when asked for it', () => {
    const noSource = [{ ...entries[0], transferSource: undefined }];
    const t = runRobustnessTable({ entries: noSource, images, labels, eps: 0.3, budget, attacks: ['pgd', 'transfer'], seed: 1 });
    expect(Object.keys(t.rows[0].accuracy)).toEqual(['pgd']);
  });
});

describe('Table 3: transfer matrix', () => {
  const { images, labels } = tinyData(10, 11);
  const lm = (label: string, kind: 'relu' | 'kwta', seed: number) => ({ label, activation: kind, training: 'natural', model: tinyNet(kind, seed) });
  const targets = [lm('ReLU', 'relu', 1), lm('k-WTA-0.1', 'kwta', 2)];
  const twins = [lm('ReLU #2', 'relu', 3), lm('k-WTA-0.1 #2', 'kwta', 4)];

  it('is targets x sources, accuracies in [0, 1], the diagonal from the independent twins', async () => {
    const m = runTransferMatrix({ targets, sources: targets, twins, images, labels, eps: 0.3, steps: 5, stepSize: 0.06, seed: 1 });
    expect(m.accuracy.length).toBe(2);
    expect(m.accuracy.every((r) => r.length === 2 && r.every((v) => v >= 0 && v <= 1))).toBe(true);
    expect(m.diagonal).toBe('independent copies');
    // Without twins the diagonal is the white-box attack on the target itself.
    const w = runTransferMatrix({ targets, sources: targets, images, labels, eps: 0.3, steps: 5, stepSize: 0.06, seed: 1 });
    expect(w.diagonal).toBe('white-box');
    expect(w.accuracy[0][0]).toBe(w.sourceWhiteBox[0]);
    expect(w.accuracy[0][1]).toBe(m.accuracy[0][1]);
    expect(transferMarkdown(m)).toContain('ReLU');
    expect(await renderSvg(transferSpec(m, 't'))).toContain('<svg');
  });

  it('rejects mismatched sources', () => {
    expect(() => runTransferMatrix({ targets, sources: targets.slice(1), images, labels, eps: 0.3, steps: 2, stepSize: 0.1, seed: 1 })).toThrow(ValueError);
  });
});

describe('Table 5: natural perturbations', () => {
  const { images, data, labelArray } = tinyData(30, 13);
  const identity: ImageTransform = { name: 'id', apply: (x) => ({ data: Float32Array.from(x.data), shape: x.shape }) };
  const blank: ImageTransform = { name: 'blank', apply: (x) => ({ data: new Float32Array(x.data.length), shape: x.shape }) };
  const noise: ImageTransform = {
    name: 'noise', apply: (x, gen: Generator) => ({ data: Float32Array.from(x.data, (v) => Math.min(1, Math.max(0, v + 0.3 * (gen.uniform() - 0.5)))), shape: x.shape }),
  };
  const models = [{ label: 'ReLU', activation: 'relu', training: 'natural', model: tinyNet('relu', 1) }];
  const run = () => runPerturbationTable({ models, images: data, shape: [30, 1, 6, 6], labels: labelArray, perturbations: { id: identity, blank, noise }, seed: 2 });

  it('the identity column equals clean; a blank image is classified as one class', () => {
    const t = run();
    expect(t.columns).toEqual(['Clean', 'id', 'blank', 'noise']);
    const acc = t.rows[0].accuracy;
    expect(acc.id).toBe(acc.Clean);
    const blankClass = predict(models[0].model, images.mul(0))[0];
    expect(acc.blank).toBeCloseTo(labelArray.filter((y) => y === blankClass).length / 30);
    expect(perturbationMarkdown(t)).toContain('| ReLU |');
  });

  it('is deterministic for a seed', () => {
    expect(run()).toEqual(run());
  });
});

describe('Figure 4: sparsity sweep', () => {
  const { images, labels } = tinyData(8, 17);

  it('sets each gamma, fine-tunes between them, and records every attack', async () => {
    const net = tinyNet('kwta', 5, 64, 0.2);
    const calls: number[] = [];
    const points = runSparsitySweep({
      model: net, gammas: [0.2, 0.1, 0.05], fineTune: (_m, gamma) => calls.push(gamma), images, labels, eps: 0.3, budget, attacks: ['pgd', 'bpda'], seed: 1,
    });
    expect(calls).toEqual([0.1, 0.05]);
    expect(points.map((p) => p.gamma)).toEqual([0.2, 0.1, 0.05]);
    expect((net.modules().find((m) => m instanceof KWTA) as KWTA).gamma).toBe(0.05);
    for (const p of points) {
      expect(Object.keys(p.accuracy)).toEqual(['pgd', 'bpda']);
      expect(p.worstCase).toBeLessThanOrEqual(Math.min(p.clean, p.accuracy.pgd!, p.accuracy.bpda!));
    }
    expect(await renderSvg(sparsitySpec(points, 't'))).toContain('<svg');
  });

  it('rejects gammas that do not decrease', () => {
    expect(() => runSparsitySweep({ model: tinyNet('kwta'), gammas: [0.1, 0.2], fineTune: () => {}, images, labels, eps: 0.3, budget, attacks: ['pgd'], seed: 1 })).toThrow(/decrease/);
  });
});
