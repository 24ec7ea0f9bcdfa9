import { describe, expect, it } from 'vitest';
import { Generator, noGrad, tidy } from '@kwta/core';
import {
  criticalRadius, denseDiscontinuities, pairwiseOverlap, patternOverlap, tiesAtFirstKwta, tiesAtKth, trainedBallChanges, trainedOverlap, winnerLists,
} from '../src/index.js';
import { tinyData, tinyNet } from './paper-helpers.js';

const points = (n: number, dim: number, seed: number) => {
  const gen = new Generator(seed);
  return Float32Array.from({ length: n * dim }, () => gen.uniform());
};

describe('Theorem 1: dense discontinuities of a random k-WTA layer', () => {
  const radii = [1e-4, 1e-3, 1e-2, 1e-1, 1];
  const cells = denseDiscontinuities({ points: points(40, 20, 1), dim: 20, widths: [16, 512], gammas: [0.25], radii, directions: 2, gen: new Generator(3) });
  const row = (w: number) => cells.filter((c) => c.width === w).sort((a, b) => a.radius - b.radius);

  it('has one cell per width, gamma and radius', () => {
    expect(cells.length).toBe(2 * radii.length);
    expect(row(512).map((c) => c.k)).toEqual(Array(radii.length).fill(128));
  });

  it('pattern changes increase with the ball radius', () => {
    for (const w of [16, 512]) {
      const r = row(w);
      for (let i = 1; i < r.length; i++) {
        expect(r[i].changedFraction).toBeGreaterThanOrEqual(r[i - 1].changedFraction);
        expect(r[i].swappedFraction).toBeGreaterThanOrEqual(r[i - 1].swappedFraction);
      }
      expect(r[r.length - 1].changedFraction).toBeGreaterThan(r[0].changedFraction);
    }
  });

  it('a wider layer changes its pattern within smaller balls', () => {
    const sum = (w: number) => row(w).reduce((s, c) => s + c.changedFraction, 0);
    expect(sum(512)).toBeGreaterThan(sum(16));
    const narrow = criticalRadius(cells, 16, 0.25), wide = criticalRadius(cells, 512, 0.25);
    expect(wide).not.toBeNull();
    if (narrow !== null) expect(wide!).toBeLessThan(narrow);
  });

  it('is deterministic for a seed', () => {
    const again = denseDiscontinuities({ points: points(40, 20, 1), dim: 20, widths: [16, 512], gammas: [0.25], radii, directions: 2, gen: new Generator(3) });
    expect(again).toEqual(cells);
  });

  it('criticalRadius interpolates where half the points changed', () => {
    const synthetic = [0.1, 1].map((radius, i) => ({ width: 1, gamma: 0.1, k: 1, radius, changedFraction: i === 0 ? 0 : 1, swappedFraction: 0 }));
    expect(criticalRadius(synthetic, 1, 0.1)).toBeCloseTo(Math.sqrt(0.1), 10);
    expect(criticalRadius(synthetic.slice(0, 1), 1, 0.1)).toBeNull();
  });
});

describe('Theorem 2: winner sets of different points separate as the layer widens', () => {
  it('pairwiseOverlap counts shared winners exactly', () => {
    const sets = [Int32Array.of(0, 1), Int32Array.of(1, 2), Int32Array.of(3, 4)];
    const r = pairwiseOverlap(sets, 2);
    expect(r.pairs).toBe(3);
    expect(r.meanOverlap).toBeCloseTo((0.5 + 0 + 0) / 3);
    expect(r.disjointFraction).toBeCloseTo(2 / 3);
    expect(winnerLists(Uint8Array.of(1, 0, 1, 0, 1, 1), 2, 3).map((a) => Array.from(a))).toEqual([[0, 2], [1, 2]]);
  });

  it('tiesAtKth counts the values equal to the k-th largest of each row', () => {
    expect(tiesAtKth(Float32Array.of(5, 1, 1, 1, 0, 9, 3, 2), 2, 2)).toEqual([3, 1]);
    expect(() => tiesAtKth([1, 2, 3], 2, 1)).toThrow(/tiesAtKth/);
  });

  it('tiesAtFirstKwta counts ties at the threshold of the first k-WTA layer\'s own input', () => {
    const net = tinyNet('kwta', 3, 40, 0.1);
    const { images } = tinyData(5);
    // The first k-WTA layer follows flatten and the first linear layer: k = floor(0.1 * 40) = 4.
    const expected = noGrad(() => tidy(() => tiesAtKth(net.namedChildren()[1][1].forward(net.namedChildren()[0][1].forward(images)).dataSync(), 5, 4)));
    expect(tiesAtFirstKwta(net, images)).toEqual(expected);
    expect(expected.every((t) => t >= 1)).toBe(true);
    expect(() => tiesAtFirstKwta(tinyNet('relu'), images)).toThrow(/has no KWTA layer/);
    images.dispose();
  });

  it('with k fixed, more pairs are disjoint at a larger width', () => {
    const cells = patternOverlap({ points: points(30, 10, 2), dim: 10, widths: [8, 2048], ks: [1], gen: new Generator(4) });
    expect(cells.length).toBe(2);
    expect(cells[1].disjointFraction).toBeGreaterThan(cells[0].disjointFraction);
    expect(cells[1].meanOverlap).toBeLessThan(cells[0].meanOverlap);
    expect(cells[0].randomOverlap).toBeCloseTo(1 / 8);
  });
});

describe('pattern studies on a trained-style network', () => {
  const net = tinyNet('kwta', 3, 128, 0.1);
  const { images, labelArray } = tinyData(20, 5);

  it('no change at radius 0, more changes in larger balls', () => {
    const cells = trainedBallChanges(net, { images, radii: [0, 1e-3, 1e-1], samples: 2, gen: new Generator(1) });
    expect(cells[0].changedFraction).toBe(0);
    expect(cells[2].changedFraction).toBeGreaterThanOrEqual(cells[1].changedFraction);
    expect(cells[2].changedFraction).toBeGreaterThan(0);
    const layers = Object.keys(cells[2].swappedByLayer);
    expect(layers.length).toBe(1);
    expect(cells[2].swappedByLayer[layers[0]]).toBeGreaterThan(cells[1].swappedByLayer[layers[0]]);
  });

  it('reports overlap per k-WTA layer with the random-subset baseline', () => {
    const [o] = trainedOverlap(net, images, labelArray);
    expect(o.width).toBe(128);
    expect(o.k).toBe(12);
    expect(o.randomOverlap).toBeCloseTo(12 / 128);
    for (const v of [o.sameClass, o.otherClass, o.disjointFraction]) expect(v).toBeGreaterThanOrEqual(0);
  });
});
