#!/usr/bin/env node
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runFigure1 } from './figure1.js';
import { figure1Spec } from './figure1-plot.js';
import { writeJson, writeSvg } from './files.js';

// The README's main job until the full experiment pipeline exists: the paper's Figure 1.
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'out/figure1' },
    seed: { type: 'string', default: '1' },
    steps: { type: 'string', default: '3000' },
    gamma: { type: 'string', default: '0.1' },
    width: { type: 'string', default: '128' },
  },
});
const num = (name: string, v: string | undefined) => {
  const n = Number(v);
  if (!Number.isFinite(n)) {
    console.error(`figure1: --${name} must be a number, got '${v}'`);
    process.exit(2);
  }
  return n;
};
const started = Date.now();
const result = runFigure1({
  seed: num('seed', values.seed),
  steps: num('steps', values.steps),
  gamma: num('gamma', values.gamma),
  width: num('width', values.width),
  onProgress: ({ model, step, steps, loss }) => process.stdout.write(`\r${model}: step ${step}/${steps}  mse ${loss.toExponential(2)}   ${step === steps ? '\n' : ''}`),
});
const out = values.out!;
await writeSvg(join(out, 'figure1.svg'), figure1Spec(result));
writeJson(join(out, 'figure1.json'), {
  options: result.options,
  kwta: { trainMse: result.kwta.trainMse, patternChanges: result.kwta.patternChanges, discontinuities: result.kwta.discontinuities.length, maxJump: result.kwta.maxJump },
  relu: { trainMse: result.relu.trainMse, patternChanges: result.relu.patternChanges, discontinuities: result.relu.discontinuities.length, maxJump: result.relu.maxJump },
  seconds: (Date.now() - started) / 1000,
});
for (const [name, fit] of [['k-WTA', result.kwta], ['ReLU', result.relu]] as const) {
  console.log(`${name.padEnd(6)} train MSE ${fit.trainMse.toExponential(2)}  pattern changes ${fit.patternChanges}  discontinuities ${fit.discontinuities.length}  max jump ${fit.maxJump.toFixed(4)}`);
}
console.log(`wrote ${join(out, 'figure1.svg')} and figure1.json in ${((Date.now() - started) / 1000).toFixed(1)} s`);
