import { describe, expect, it } from 'vitest';
import { Generator } from '@kwta/core';
import { crossEntropyRows } from '@kwta/attacks';
import { landscapeSpec, logitPathSpec, logitsAlongPgdPath, lossLandscape, renderSvg, smoothness } from '../src/index.js';
import { tinyData, tinyNet } from './paper-helpers.js';

describe('Figure 3: logits along a PGD path', () => {
  const { images } = tinyData(1);
  const relu = tinyNet('relu'), kwta = tinyNet('kwta');
  const opts = { eps: 0.5, steps: 20 };

  it('records 10 logits at every iterate and sub-point, with eps growing to the radius', () => {
    const p = logitsAlongPgdPath(relu, images, 3, { ...opts, substeps: 3 });
    expect(p.eps.length).toBe(20 * 3 + 1);
    expect(p.logits.length).toBe(p.eps.length);
    expect(p.logits.every((l) => l.length === 10)).toBe(true);
    expect(p.eps[0]).toBe(0);
    expect(p.eps[p.eps.length - 1]).toBeCloseTo(0.5, 6);
    for (let i = 1; i < p.eps.length; i++) expect(p.eps[i]).toBeGreaterThan(p.eps[i - 1]);
  });

  it('ReLU logits are continuous along the path; k-WTA logits jump', () => {
    // The PGD iterates do not depend on substeps: sampling the same path 8x finer shrinks a
    // continuous function's largest step about 8x, but leaves a jump as it is.
    const coarse = (m: typeof relu) => logitsAlongPgdPath(m, images, 3, { ...opts, substeps: 2 }).maxJump;
    const fine = (m: typeof relu) => logitsAlongPgdPath(m, images, 3, { ...opts, substeps: 16 }).maxJump;
    expect(fine(relu)).toBeLessThan(0.3 * coarse(relu));
    expect(fine(kwta)).toBeGreaterThan(0.5 * coarse(kwta));
  });

  it('is deterministic and renders', async () => {
    const a = logitsAlongPgdPath(kwta, images, 3, opts), b = logitsAlongPgdPath(kwta, images, 3, opts);
    expect(a).toEqual(b);
    const svg = await renderSvg(logitPathSpec([{ title: 'k-WTA', path: a }], 'test'));
    expect(svg).toContain('<svg');
  });

  it('rejects a batch of more than one example', () => {
    expect(() => logitsAlongPgdPath(relu, tinyData(2).images, 0)).toThrow(/one example/);
  });
});

describe('Figure 5: loss landscape', () => {
  const { images } = tinyData(1, 3);
  const net = tinyNet('kwta', 2);

  it('is a size x size grid over [-eps, eps] whose centre is the clean loss', () => {
    const l = lossLandscape(net, images, 4, { eps: 0.2, size: 9, gen: new Generator(1) });
    expect(l.axis.length).toBe(9);
    expect(l.axis[0]).toBeCloseTo(-0.2);
    expect(l.axis[8]).toBeCloseTo(0.2);
    expect(l.loss.length).toBe(9);
    expect(l.loss.every((r) => r.length === 9)).toBe(true);
    const clean = crossEntropyRows(net.forward(images), Int32Array.of(4)).item();
    expect(l.loss[4][4]).toBeCloseTo(clean, 4);
  });

  it('is deterministic for a seed and depends on the random direction', () => {
    const a = lossLandscape(net, images, 4, { eps: 0.2, size: 7, gen: new Generator(5) });
    const b = lossLandscape(net, images, 4, { eps: 0.2, size: 7, gen: new Generator(5) });
    const c = lossLandscape(net, images, 4, { eps: 0.2, size: 7, gen: new Generator(6) });
    expect(a).toEqual(b);
    expect(a.loss).not.toEqual(c.loss);
  });

  it('roughness is 0 for a plane and positive for a step; jumps count the step', () => {
    const plane = Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, (_, j) => 2 * i - j));
    expect(smoothness(plane).roughness).toBeCloseTo(0, 12);
    // Steps of 2 along i are over 10% of the range 15, steps of 1 along j are not.
    expect(smoothness(plane).jumpFraction).toBe(0.5);
    const step = Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, () => (i < 3 ? 0 : 1)));
    expect(smoothness(step).roughness).toBeGreaterThan(0);
    expect(smoothness(step).jumpFraction).toBeCloseTo(6 / 60);
  });

  it('renders a heatmap per model', async () => {
    const l = lossLandscape(net, images, 4, { eps: 0.2, size: 5, gen: new Generator(1) });
    expect(await renderSvg(landscapeSpec([{ title: 'a', landscape: l }, { title: 'b', landscape: l }], 't'))).toContain('<svg');
  });
});
