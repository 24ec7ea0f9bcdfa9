import { Generator, tidy } from '@kwta/core';
import { DataLoader, take } from '@kwta/datasets';
import { Adam } from '@kwta/optim';
import { train } from '@kwta/train';
import { figure1Spec } from '../figure1-plot.js';
import { runFigure1 } from '../figure1.js';
import { pct } from '../output.js';
import type { SuiteAttack } from '../paper/attack-suite.js';
import { predict } from '../paper/common.js';
import { logitPathSpec, logitsAlongPgdPath } from '../paper/figure3.js';
import { runSparsitySweep, sparsitySpec } from '../paper/figure4.js';
import { landscapeSpec, lossLandscape } from '../paper/figure5.js';
import { publish, seconds, type Context } from './context.js';
import { EPS } from './scales.js';

// ---------------------------------------------------------------------------------------------
// Figure 3: the logits along a PGD path.

export async function figure3(ctx: Context): Promise<string> {
  const started = Date.now();
  const kwta = ctx.model({ dataset: 'mnist', activation: 'kwta:0.1', method: 'natural' });
  const relu = ctx.model({ dataset: 'mnist', activation: 'relu', method: 'natural' });
  const n = 20;
  const { images, labels } = ctx.testSlice('mnist', n);
  const y = labels.dataSync() as Int32Array;
  const pk = predict(kwta.model, images), pr = predict(relu.model, images);
  const both = Array.from(y.keys()).filter((i) => pk[i] === y[i] && pr[i] === y[i]);
  const opts = { eps: EPS.mnist, steps: 100, substeps: 4 };
  const paths = both.map((i) => tidy(() => {
    const x = images.slice([i, 0, 0, 0], [1, ...images.shape.slice(1)]);
    return { index: i, kwta: logitsAlongPgdPath(kwta.model, x, y[i], opts), relu: logitsAlongPgdPath(relu.model, x, y[i], opts) };
  }));
  images.dispose();
  labels.dispose();
  const shown = paths[0];
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const stats = (key: 'kwta' | 'relu') => ({
    medianMaxJump: median(paths.map((p) => p[key].maxJump)),
    medianStepJump: median(paths.map((p) => p[key].medianJump)),
    fooled: paths.filter((p) => p[key].finalPrediction !== p[key].label).length,
  });
  const sk = stats('kwta'), sr = stats('relu');
  return publish(ctx, 'figure3', {
    settings: { full: ctx.o.full, seed: ctx.o.seed, ...opts, examples: paths.length, seconds: seconds(started) },
    stats: { kwta: sk, relu: sr }, shown: { index: shown.index, kwta: shown.kwta, relu: shown.relu },
    summary: paths.map((p) => ({ index: p.index, kwta: { maxJump: p.kwta.maxJump, finalPrediction: p.kwta.finalPrediction }, relu: { maxJump: p.relu.maxJump, finalPrediction: p.relu.finalPrediction } })),
  }, {
    'logits.svg': logitPathSpec([{ title: `${kwta.label} (natural)`, path: shown.kwta }, { title: 'ReLU (natural)', path: shown.relu }], `Figure 3 (MNIST test image ${shown.index}): the 10 logits along a PGD path`),
  }, [
    '# Figure 3: the logits along a PGD path, k-WTA vs ReLU (MNIST)',
    '',
    '![logits along the PGD path](logits.svg)',
    '',
    `PGD with ${opts.steps} iterations of step eps/${opts.steps} (eps = ${opts.eps}), each iterate projected into the ball of radius t * eps/${opts.steps}, so the x-axis is the perturbation budget used so far; the logits are evaluated at the iterates and at ${opts.substeps - 1} points between consecutive ones.`,
    '',
    '| | k-WTA-0.1 | ReLU |',
    '| --- | ---: | ---: |',
    `| median over ${paths.length} test images of the largest logit jump between neighbouring path points | ${sk.medianMaxJump.toFixed(3)} | ${sr.medianMaxJump.toFixed(3)} |`,
    `| median of the typical (median) change between neighbouring points | ${sk.medianStepJump.toFixed(4)} | ${sr.medianStepJump.toFixed(4)} |`,
    `| paths ending misclassified | ${sk.fooled} / ${paths.length} | ${sr.fooled} / ${paths.length} |`,
    '',
    '## What it shows',
    '',
    `- ReLU: the logits move smoothly along the path (largest step ${sr.medianMaxJump.toFixed(3)} against a typical step of ${sr.medianStepJump.toFixed(4)}) and the gradient leads PGD to a misclassification in ${sr.fooled} of ${paths.length} paths.`,
    `- k-WTA: the logits jump (largest step ${sk.medianMaxJump.toFixed(3)}, ${(sk.medianMaxJump / Math.max(sk.medianStepJump, 1e-9)).toFixed(0)}x its typical step) wherever a winner set changes, and PGD succeeds in ${sk.fooled} of ${paths.length} paths. This is the paper's Figure 3 (a, b): the gradient at a point says little about the function a small step away. Table 4 shows that attacks which do not trust that gradient (BPDA, EOT, Square) still find adversarial examples.`,
    '',
    '## Settings and deviations from the paper',
    '',
    ctx.trainingNote(),
    ctx.paperDeviation(),
    '- The paper\'s Figure 3 uses ResNet-18 on CIFAR-10; this is the MNIST CNN at eps 0.3.',
    `- Run time: ${seconds(started)} s.`,
  ]);
}

// ---------------------------------------------------------------------------------------------
// Figure 5: loss landscapes.

export async function figure5(ctx: Context): Promise<string> {
  const started = Date.now();
  const keys = [
    { activation: 'kwta:0.1', method: 'natural' as const }, { activation: 'kwta:0.1', method: 'at' as const },
    { activation: 'relu', method: 'natural' as const }, { activation: 'relu', method: 'at' as const },
  ];
  const models = keys.map((k) => ctx.model({ dataset: 'mnist', ...k }));
  const size = 50, eps = EPS.mnist, extra = 4;
  const { images, labels } = ctx.testSlice('mnist', 1 + extra);
  const y = labels.dataSync() as Int32Array;
  const one = (i: number) => images.slice([i, 0, 0, 0], [1, ...images.shape.slice(1)]);
  const shown = models.map((m, j) => tidy(() => ({ title: `${m.label}${m.training === 'natural' ? ' (natural)' : ''}`, landscape: lossLandscape(m.model, one(0), y[0], { eps, size, gen: new Generator(ctx.o.seed + j) }) })));
  // Roughness over a few more test images, on a coarser grid.
  const more = models.map((m, j) => Array.from({ length: extra }, (_, e) => tidy(() => lossLandscape(m.model, one(1 + e), y[1 + e], { eps, size: 25, gen: new Generator(ctx.o.seed + 10 * j + e) }).roughness)));
  images.dispose();
  labels.dispose();
  const mean = (v: number[]) => v.reduce((a, x) => a + x, 0) / v.length;
  const rows = models.map((m, j) => ({ model: shown[j].title, roughness: shown[j].landscape.roughness, jumpFraction: shown[j].landscape.jumpFraction, range: shown[j].landscape.range, meanRoughnessOthers: mean(more[j]) }));
  const r = (label: string) => rows.find((x) => x.model === label)!;
  return publish(ctx, 'figure5', { settings: { full: ctx.o.full, seed: ctx.o.seed, eps, size, extraExamples: extra, seconds: seconds(started) }, rows, landscapes: shown },
    { 'landscape.svg': landscapeSpec(shown, 'Figure 5 (MNIST): the attack loss around a test image') },
    [
      '# Figure 5: attack-loss landscapes, k-WTA vs ReLU (MNIST)',
      '',
      '![loss landscapes](landscape.svg)',
      '',
      `Loss (cross-entropy of the true label) at x + e1 g + e2 r for e1, e2 on a ${size} x ${size} grid over [-${eps}, ${eps}], g the sign of the loss gradient at x, r a random sign vector (points clipped to [0, 1]). Roughness = mean absolute second difference over the grid divided by the loss range (0 for a plane, larger for a jagged surface); jumps = neighbouring grid points differing by more than 10% of the range.`,
      '',
      '| model | loss range | roughness | jumps | mean roughness, 4 more images (25 x 25) |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...rows.map((x) => `| ${x.model} | ${x.range[0].toFixed(2)} .. ${x.range[1].toFixed(2)} | ${x.roughness.toFixed(4)} | ${pct(x.jumpFraction)} | ${x.meanRoughnessOthers.toFixed(4)} |`),
      '',
      '## What it shows',
      '',
      `- The naturally trained k-WTA surface is ${r('k-WTA-0.1 (natural)').meanRoughnessOthers > 2 * r('ReLU (natural)').meanRoughnessOthers ? 'much rougher' : 'not much rougher'} than the ReLU one (mean roughness ${r('k-WTA-0.1 (natural)').meanRoughnessOthers.toFixed(4)} vs ${r('ReLU (natural)').meanRoughnessOthers.toFixed(4)}), the paper's Figure 5 (a) vs (c): following the local gradient is of little use on it.`,
      `- Adversarial training shrinks the loss range (k-WTA: ${r('k-WTA-0.1 (natural)').range[1].toFixed(2)} -> ${r('k-WTA-0.1 (AT)').range[1].toFixed(2)} at most; ReLU: ${r('ReLU (natural)').range[1].toFixed(2)} -> ${r('ReLU (AT)').range[1].toFixed(2)}), as the paper reports.`,
      '- Roughness is what defeats gradient-following attacks; it is not robustness. A smoothed loss (what EOT estimates) or a smooth backward (BPDA) recovers a useful direction, see Table 4.',
      '',
      '## Settings and deviations from the paper',
      '',
      ctx.trainingNote(),
      ctx.paperDeviation(),
      `- The paper plots ResNet-18 on CIFAR-10 over [-0.04, 0.04]; here the MNIST CNN over the MNIST threat radius [-${eps}, ${eps}], as a heatmap rather than a 3-D surface.`,
      `- Run time: ${seconds(started)} s.`,
    ]);
}

// ---------------------------------------------------------------------------------------------
// Figure 4: accuracy as gamma falls (incremental fine-tuning).

export async function figure4(ctx: Context): Promise<string> {
  const started = Date.now();
  const gammas = ctx.scale.gammas;
  const start = ctx.model({ dataset: 'mnist', activation: `kwta:${gammas[0]}`, method: 'natural' });
  const { images, labels } = ctx.testSlice('mnist', ctx.scale.examples);
  const ft = ctx.scale.fineTune;
  const trainSet = take(ctx.dataset('mnist', 'train'), ft.trainLimit);
  const eps = EPS.mnist;
  const attacks: SuiteAttack[] = ['pgd', 'bpda'];
  const points = runSparsitySweep({
    model: start.module, gammas, images, labels, eps, budget: ctx.scale.budget(eps), attacks, seed: ctx.o.seed,
    fineTune: (model, gamma, i) => {
      ctx.log(`figure4: fine-tuning at gamma ${gamma}`);
      const loader = new DataLoader(trainSet, { batchSize: 64, shuffle: true, seed: new Generator(ctx.o.seed + 100 + i) });
      train(model, new Adam(model.parameters(), { lr: 5e-4 }), loader, { method: 'natural', epochs: ft.epochs, seed: ctx.o.seed + 200 + i });
    },
    onStep: (p) => ctx.log(`figure4: gamma ${p.gamma}: clean ${pct(p.clean)}, PGD ${pct(p.accuracy.pgd)}, BPDA ${pct(p.accuracy.bpda)}`),
  });
  images.dispose();
  labels.dispose();
  const peak = points.reduce((a, b) => ((b.accuracy.pgd ?? 0) > (a.accuracy.pgd ?? 0) ? b : a));
  const b = ctx.scale.budget(eps);
  return publish(ctx, 'figure4', { settings: { full: ctx.o.full, seed: ctx.o.seed, eps, examples: ctx.scale.examples, fineTune: ft, seconds: seconds(started) }, points },
    { 'gamma.svg': sparsitySpec(points, 'Figure 4 (MNIST): accuracy as the sparsity ratio gamma falls') },
    [
      '# Figure 4: clean and robust accuracy as gamma falls (incremental fine-tuning, MNIST)',
      '',
      '![accuracy against gamma](gamma.svg)',
      '',
      '| gamma | clean | PGD (paper\'s A_rob) | BPDA | worst case |',
      '| ---: | ---: | ---: | ---: | ---: |',
      ...points.map((p) => `| ${p.gamma} | ${pct(p.clean)} | ${pct(p.accuracy.pgd)} | ${pct(p.accuracy.bpda)} | ${pct(p.worstCase)} |`),
      '',
      '## What it shows',
      '',
      `- Clean accuracy goes from ${pct(points[0].clean)} at gamma ${points[0].gamma} to ${pct(points[points.length - 1].clean)} at gamma ${points[points.length - 1].gamma}.`,
      `- Accuracy under PGD peaks at gamma ${peak.gamma} (${pct(peak.accuracy.pgd)}); ${peak !== points[0] && peak !== points[points.length - 1] ? 'the paper\'s Figure 4 reports the same rise-then-fall shape for the PGD curve' : 'the paper\'s Figure 4 has a peak between the ends, this sweep does not'}.`,
      `- Under BPDA (the same PGD through a smooth k-WTA backward) accuracy is ${points.map((p) => pct(p.accuracy.bpda)).join(', ')} along the same gammas, and the per-example worst case of the two attacks ${points.map((p) => pct(p.worstCase)).join(', ')}. At the PGD peak the worst case is ${pct(peak.worstCase)}: ${pct((peak.accuracy.pgd ?? 0) - peak.worstCase)} of the ${pct(peak.accuracy.pgd)} PGD accuracy there is gradient masking, not robustness.`,
      `- The worst case here is still an upper bound (two attacks, ${ctx.scale.examples} examples); Table 4 adds gradient-free and gradient-estimation attacks.`,
      '',
      '## Settings and deviations from the paper',
      '',
      ctx.trainingNote(),
      ctx.paperDeviation(),
      `- Start: the cached naturally trained k-WTA-${gammas[0]} model. At each next gamma, setSparsity and fine-tune ${ft.epochs} epoch(s) on the first ${ft.trainLimit} training images (Adam lr 5e-4). The paper lowers gamma by 0.005 every 2 epochs on CIFAR-10 with ResNet-18 / DenseNet / WRN and eps 0.031.`,
      `- ${ctx.scale.examples} test examples, eps ${eps}, PGD-${b.steps} and BPDA-${b.steps} with step ${b.stepSize.toFixed(3)} and random start.`,
      `- Run time: ${seconds(started)} s.`,
    ]);
}

// ---------------------------------------------------------------------------------------------
// Figure 1 (the 1-D fit), kept as an experiment.

export async function figure1(ctx: Context): Promise<string> {
  const started = Date.now();
  const r = runFigure1({ seed: ctx.o.seed, steps: ctx.o.full ? 5000 : 3000 });
  const line = (name: string, f: typeof r.kwta) => `| ${name} | ${f.trainMse.toExponential(2)} | ${f.patternChanges} | ${f.discontinuities.length} | ${f.maxJump.toFixed(4)} |`;
  return publish(ctx, 'figure1', { settings: { ...r.options, seconds: seconds(started) }, kwta: { ...r.kwta, curve: undefined }, relu: { ...r.relu, curve: undefined } },
    { 'figure1.svg': figure1Spec(r) },
    [
      '# Figure 1: fitting a 1-D function with a k-WTA network',
      '',
      '![figure 1](figure1.svg)',
      '',
      '| network | train MSE | pattern changes on the grid | discontinuities (jump > 1e-3) | largest jump |',
      '| --- | ---: | ---: | ---: | ---: |',
      line(`k-WTA (gamma ${r.options.gamma})`, r.kwta),
      line('ReLU', r.relu),
      '',
      `Both networks (2 hidden layers of ${r.options.width}) fit the ${r.options.points} points. Both are piecewise linear, but the ReLU network's pieces join up (no jumps at its pattern changes) while the k-WTA network jumps at ${r.kwta.discontinuities.length} of its ${r.kwta.patternChanges} pattern changes: the paper's Figure 1.`,
      '',
      `- Settings: Adam lr ${r.options.lr}, ${r.options.steps} full-batch steps, seed ${r.options.seed}; run time ${seconds(started)} s.`,
    ]);
}
