import { describe, expect, it } from 'vitest';
import { figure1Spec, renderSvg, runFigure1 } from '../src/index.js';

describe('Figure 1 (1-D fit)', () => {
  // Small but real: the same pipeline as the main job, fewer steps and a coarser grid.
  const result = runFigure1({ steps: 600, width: 64, gridSize: 400 });

  it('fits the points', () => {
    expect(result.kwta.trainMse).toBeLessThan(0.05);
    expect(result.relu.trainMse).toBeLessThan(0.05);
  });

  it('the k-WTA fit is discontinuous where its pattern changes; the ReLU fit never is', () => {
    expect(result.kwta.discontinuities.length).toBeGreaterThan(2);
    expect(result.kwta.maxJump).toBeGreaterThan(0.01);
    expect(result.relu.patternChanges).toBeGreaterThan(0);
    expect(result.relu.discontinuities).toEqual([]);
  });

  it('is deterministic for a seed', () => {
    const again = runFigure1({ steps: 600, width: 64, gridSize: 400 });
    expect(again.kwta.trainMse).toBe(result.kwta.trainMse);
    expect(again.kwta.discontinuities).toEqual(result.kwta.discontinuities);
  });

  it('fits points it is given (the playground moves them), drawing none from the target', () => {
    const data = [{ x: -0.8, y: 1 }, { x: -0.2, y: -1 }, { x: 0.3, y: 0.5 }, { x: 0.9, y: -0.5 }];
    const r = runFigure1({ data, steps: 300, width: 32, gridSize: 100 });
    expect(r.points).toEqual(data);
    expect(r.options.points).toBe(4);
    expect(r.kwta.trainMse).toBeLessThan(0.05);
    expect(() => runFigure1({ data: [{ x: 0, y: NaN }] })).toThrow(/data\[0\] must be finite/);
    expect(() => runFigure1({ data: [] })).toThrow(/at least one point/);
  });

  it('renders an SVG with one line per continuous piece', async () => {
    const svg = await renderSvg(figure1Spec(result));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('k-WTA network');
    const pieces = new Set(result.kwta.curve.map((p) => p.piece)).size;
    expect(pieces).toBe(result.kwta.discontinuities.length + 1);
  });
});
