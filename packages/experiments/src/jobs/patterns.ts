import { Generator } from '@kwta/core';
import { batchToTensors, gatherBatch, take } from '@kwta/datasets';
import { pct } from '../output.js';
import { criticalRadius, denseDiscontinuities, patternOverlap, tiesAtFirstKwta, trainedBallChanges, trainedOverlap } from '../paper/patterns.js';
import { discontinuitySpec, overlapSpec, trainedBallSpec } from '../paper/patterns-plot.js';
import { publish, seconds, type Context } from './context.js';

// ---------------------------------------------------------------------------------------------
// Theorems 1 and 2: activation patterns.

export async function patterns(ctx: Context): Promise<string> {
  const started = Date.now();
  const full = ctx.o.full;
  const test = take(ctx.dataset('mnist', 'test'), 200);
  const trainSet = take(ctx.dataset('mnist', 'train'), 200);
  const dim = test.shape[1] * test.shape[2] * test.shape[3];
  const widths = full ? [64, 256, 1024, 4096, 16384] : [64, 256, 1024, 4096];
  const gammas = [0.05, 0.1, 0.2];
  const radii = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1];
  const t1 = denseDiscontinuities({ points: test.images, dim, widths, gammas, radii, directions: 4, gen: new Generator(ctx.o.seed) });
  const critical = widths.flatMap((width) => gammas.map((gamma) => ({ width, gamma, radius: criticalRadius(t1, width, gamma) })));
  const t2Widths = full ? [64, 256, 1024, 4096, 16384, 65536] : [64, 256, 1024, 4096, 16384];
  const t2 = patternOverlap({ points: trainSet.images, dim, widths: t2Widths, ks: [1, 4, 16], trials: 5, gen: new Generator(ctx.o.seed + 1) });
  const model = ctx.model({ dataset: 'mnist', activation: 'kwta:0.1', method: 'natural' });
  const slice = ctx.testSlice('mnist', 100);
  const ballRadii = [1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3];
  const ball = trainedBallChanges(model.module, { images: slice.images, radii: ballRadii, samples: 4, gen: new Generator(ctx.o.seed + 2) });
  // The first k-WTA layer follows the first convolution: count ties at its k-th largest input.
  const ties = tiesAtFirstKwta(model.module, slice.images);
  const firstLayerTies = ties.reduce((a, t) => a + t, 0) / ties.length;
  slice.images.dispose();
  slice.labels.dispose();
  const trainT = batchToTensors(gatherBatch(trainSet, Int32Array.from({ length: 200 }, (_, i) => i)));
  const overlapTrained = trainedOverlap(model.module, trainT.images, trainSet.labels);
  trainT.images.dispose();
  trainT.labels.dispose();
  const cos = cosineSummary(trainSet.images, 200, dim);
  const crit = (w: number, g: number) => critical.find((c) => c.width === w && c.gamma === g)?.radius ?? null;
  const fmt = (v: number | null) => (v === null ? '> 0.3' : v.toExponential(1));
  const o1 = (w: number) => t2.find((c) => c.width === w && c.k === 1)!;
  return publish(ctx, 'patterns', { settings: { full, seed: ctx.o.seed, points: 200, dim, directions: 4, seconds: seconds(started) }, theorem1: { cells: t1, critical }, theorem2: t2, trained: { label: model.label, ball, overlap: overlapTrained } },
    {
      'theorem1.svg': discontinuitySpec(t1, critical),
      'theorem2.svg': overlapSpec(t2),
      'trained.svg': trainedBallSpec(ball, `Trained MNIST CNN with ${model.label}: pattern changes near test points`),
    },
    [
      '# Activation patterns: dense discontinuities (Theorem 1) and separated patterns (Theorem 2)',
      '',
      'A(x) is the winner set of a k-WTA layer (the k largest of its l inputs). Theorem 1 says that for a wide random layer (W ~ N(0, 1/l), b = 0) a small perpendicular move of x changes A(x), the smaller the wider the layer; Theorem 2 says that with k fixed and l large the winner sets of different data points are disjoint, which is why such networks still train.',
      '',
      '## Theorem 1: how far must x move before A(x) changes? (random layer, 200 MNIST test points)',
      '',
      '![theorem 1](theorem1.svg)',
      '',
      `Critical perpendicular distance d(x, x')/||x|| at which half of the points have changed winner set (4 random directions each):`,
      '',
      `| width l | ${gammas.map((g) => `gamma ${g}`).join(' | ')} |`,
      `| ---: | ${gammas.map(() => '---:').join(' | ')} |`,
      ...widths.map((w) => `| ${w} | ${gammas.map((g) => fmt(crit(w, g))).join(' | ')} |`),
      '',
      `- The critical distance falls as the layer widens (gamma 0.1: ${fmt(crit(widths[0], 0.1))} at l = ${widths[0]}, ${fmt(crit(widths[widths.length - 1], 0.1))} at l = ${widths[widths.length - 1]}; a log-log fit gives d/||x|| ~ l^${slope(widths, widths.map((w) => crit(w, 0.1))).toFixed(2)}): the linear pieces get finer with width, as Theorem 1 says. The theorem's condition l >= (m / (gamma beta)) log(...) guarantees a change once d/||x|| is of order sqrt(m / (gamma l)) (up to logs), a bound; the measured distance falls ${slope(widths, widths.map((w) => crit(w, 0.1))) < -0.5 ? 'faster than' : 'about as'} l^-0.5.`,
      `- At a fixed width, ${crit(widths[widths.length - 1], 0.2) !== null && crit(widths[widths.length - 1], 0.05) !== null && crit(widths[widths.length - 1], 0.2)! < crit(widths[widths.length - 1], 0.05)! ? 'a larger gamma needs a smaller move (more winners means more boundaries near x)' : 'gamma changes the critical distance little'}.`,
      '',
      '## Theorem 2: do different data points share winners? (random layer, 200 MNIST training points)',
      '',
      '![theorem 2](theorem2.svg)',
      '',
      '| width l | ' + [1, 4, 16].map((k) => `k = ${k}: mean overlap / disjoint pairs`).join(' | ') + ' |',
      '| ---: | ' + [1, 4, 16].map(() => '---:').join(' | ') + ' |',
      ...t2Widths.map((w) => `| ${w} | ${[1, 4, 16].map((k) => { const c = t2.find((x) => x.width === w && x.k === k)!; return `${pct(c.meanOverlap)} / ${pct(c.disjointFraction)}`; }).join(' | ')} |`),
      '',
      `- Averaged over 5 draws of W. With k fixed, the share of pairs of different training points with disjoint winner sets grows with the width (k = 1: ${pct(o1(t2Widths[0]).disjointFraction)} at l = ${t2Widths[0]}, ${pct(o1(t2Widths[t2Widths.length - 1]).disjointFraction)} at l = ${t2Widths[t2Widths.length - 1]}), as Theorem 2 says. MNIST digits are strongly correlated (pairwise cosine similarity of these 200 images: median ${cos.median.toFixed(2)}, 5-95% range ${cos.p5.toFixed(2)}-${cos.p95.toFixed(2)}), so far wider layers than here are needed for every pair to separate; overlaps stay well above the k/l of random subsets.`,
      '',
      `## In the trained network (${model.label} MNIST CNN, natural training)`,
      '',
      '![trained](trained.svg)',
      '',
      '| L-inf radius | test points whose pattern changed | ' + Object.keys(ball[0].swappedByLayer).map((l) => `winners replaced, ${l}`).join(' | ') + ' |',
      '| ---: | ---: | ' + Object.keys(ball[0].swappedByLayer).map(() => '---:').join(' | ') + ' |',
      ...ball.map((c) => `| ${c.radius} | ${pct(c.changedFraction)} | ${Object.values(c.swappedByLayer).map((v) => pct(v)).join(' | ')} |`),
      '',
      'Winner overlap of pairs of 200 training points, per layer:',
      '',
      '| layer | width | k | same class | other class | disjoint pairs | random subsets (k/l) |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...overlapTrained.map((o) => `| ${o.layer} | ${o.width} | ${o.k} | ${pct(o.sameClass)} | ${pct(o.otherClass)} | ${pct(o.disjointFraction)} | ${pct(o.randomOverlap)} |`),
      '',
      `- Even an L-inf move of ${ball[1].radius} (a quarter of one grey level) changes some winner set for ${pct(ball[1].changedFraction)} of test points (${pct(ball[0].changedFraction)} at ${ball[0].radius}); at the attack radius ${ball[ball.length - 1].radius}, ${pct(ball[ball.length - 1].changedFraction)} of the points change pattern and ${Object.values(ball[ball.length - 1].swappedByLayer).map((v) => pct(v)).join(', ')} of the winners of the successive layers are replaced. This density of discontinuities is what breaks gradient-based attacks.`,
      `- The first layer reacts even to the smallest moves partly because of ties: on the blank background of a digit many of its units receive identical inputs. On these test images, on average ${firstLayerTies.toFixed(0)} of the first layer's ${ball.length ? overlapTrained[0].width : 0} pre-activations equal its k-th largest (k = ${overlapTrained[0]?.k}), and any perturbation reorders them.`,
      '- Trained layers share far more winners between training points than random subsets do (and more within a class than across classes): in this small, briefly trained network the patterns are not separated the way Theorem 2 describes for very wide random layers.',
      '',
      '## Settings and deviations from the paper',
      '',
      '- The theorems are about one random layer; the first two studies use exactly that, with MNIST images (m = 784) as inputs. The paper gives proofs, not these measurements.',
      '- Balls are probed along a few random directions (perpendicular directions for Theorem 1, random corners of the L-inf ball in the trained network, not clipped to [0, 1]), so the changed fractions are lower bounds on "some point of the ball changes the pattern".',
      ctx.trainingNote(),
      `- Run time: ${seconds(started)} s.`,
    ]);
}

/** Median and 5% / 95% quantiles of the cosine similarity over all pairs of `n` rows. */
function cosineSummary(x: Float32Array, n: number, dim: number): { median: number; p5: number; p95: number } {
  const norms = Array.from({ length: n }, (_, i) => Math.sqrt(x.subarray(i * dim, (i + 1) * dim).reduce((a, v) => a + v * v, 0)) || 1);
  const cos: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let d = 0;
      for (let t = 0; t < dim; t++) d += x[i * dim + t] * x[j * dim + t];
      cos.push(d / (norms[i] * norms[j]));
    }
  }
  cos.sort((a, b) => a - b);
  const q = (f: number) => cos[Math.min(cos.length - 1, Math.floor(f * cos.length))];
  return { median: q(0.5), p5: q(0.05), p95: q(0.95) };
}

/** Least-squares slope of log y against log x, over the points where y is known. */
function slope(xs: number[], ys: (number | null)[]): number {
  const pts = xs.map((x, i) => [Math.log(x), ys[i]] as const).filter((p): p is readonly [number, number] => p[1] !== null).map(([x, y]) => [x, Math.log(y)]);
  const mx = pts.reduce((a, p) => a + p[0], 0) / pts.length, my = pts.reduce((a, p) => a + p[1], 0) / pts.length;
  const num = pts.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0), den = pts.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return den > 0 ? num / den : NaN;
}
