/**
 * Our side of the AutoAttack cross-check (docs/attacks/autoattack-crosscheck.md): AutoAttack from
 * @kwta/attacks on a `kwta train` run's MNIST CNN and the first N embedded MNIST test digits,
 * which it also writes (x.f32, y.i32) for the reference run (python/autoattack_reference.py).
 * The evaluation state lives next to the report, so a killed run resumes.
 *
 * usage: node dist/crosscheck-autoattack.js --run RUN_DIR --examples N --data DATA_DIR --out REPORT.json
 *        [--eps 0.3] [--norm linf] [--version standard] [--seed 0] [--backend wasm|js]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { autoAttack, reportOf, type AutoAttackVersion, type Norm } from '@kwta/attacks';
import { evaluateWithStateFile } from '@kwta/attacks/node';
import { Generator, setBackend, tensor } from '@kwta/core';
import { loadMnistPackage } from '@kwta/datasets/node';
import { KWTA, ReLU, mnistCnn, type Module } from '@kwta/nn';
import { loadSafetensorsInto, writeFileAtomic } from '@kwta/nn/node';
import { kwtaBackend } from './contenders/backends.js';

/** A `kwta train` run's MNIST CNN (relu or kwta:<gamma> everywhere), weights from model.safetensors. */
export function loadMnistRun(dir: string): { model: Module; activation: string } {
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { model: string; activation: string; hidden: number; seed: number };
  if (config.model !== 'mnist-cnn') throw new Error(`${dir}: model '${config.model}' is not mnist-cnn`);
  const gamma = config.activation.startsWith('kwta:') ? Number(config.activation.slice(5)) : null;
  if (config.activation !== 'relu' && gamma === null) throw new Error(`${dir}: activation '${config.activation}' is not relu or kwta:<gamma>`);
  const model = mnistCnn({ gen: new Generator(config.seed), hiddenSize: config.hidden, activation: () => (gamma === null ? new ReLU() : new KWTA({ gamma })) });
  loadSafetensorsInto(model, join(dir, 'model.safetensors'));
  model.eval();
  return { model, activation: config.activation };
}

function main(): void {
  const { values: o } = parseArgs({
    options: {
      run: { type: 'string' }, examples: { type: 'string', default: '500' }, data: { type: 'string' }, out: { type: 'string' },
      eps: { type: 'string', default: '0.3' }, norm: { type: 'string', default: 'linf' }, version: { type: 'string', default: 'standard' },
      seed: { type: 'string', default: '0' }, backend: { type: 'string', default: 'wasm' },
    },
  });
  if (!o.run || !o.data || !o.out) throw new Error('usage: crosscheck-autoattack.js --run RUN_DIR --examples N --data DATA_DIR --out REPORT.json');
  setBackend(kwtaBackend(o.backend === 'js' ? 'js' : 'wasm'));
  const n = Number(o.examples);
  const test = loadMnistPackage({ split: 'test', limit: n });
  writeFileAtomic(join(o.data, 'x.f32'), new Uint8Array(test.images.buffer, test.images.byteOffset, test.images.byteLength));
  writeFileAtomic(join(o.data, 'y.i32'), new Uint8Array(test.labels.buffer, test.labels.byteOffset, test.labels.byteLength));
  const { model, activation } = loadMnistRun(o.run);
  const attack = autoAttack({ eps: Number(o.eps), norm: o.norm as Norm, version: o.version as AutoAttackVersion });
  const x = tensor(test.images, [n, 1, 28, 28]);
  const started = Date.now();
  let last = '';
  const state = evaluateWithStateFile(model, x, test.labels, `${o.out}.state.json`, {
    attacks: [attack], gen: new Generator(Number(o.seed)), batchSize: 250, checks: { stronger: false, epsValues: [], sanity: true },
    onProgress: (p) => {
      const line = `${p.stage} ${p.name}: ${p.done}/${p.total} (${((Date.now() - started) / 1000).toFixed(0)} s)`;
      if (line !== last) console.log((last = line));
    },
  });
  const report = reportOf(state);
  const aa = report.attacks[0];
  console.log(`${activation}: initial accuracy: ${(100 * report.cleanAccuracy).toFixed(2)}%`);
  for (const l of aa.log ?? []) console.log(`robust accuracy after ${l.attack}: ${(100 * l.robustAccuracy).toFixed(2)}% (${l.seconds.toFixed(1)} s)`);
  console.log(`final check: max ${aa.norm} perturbation ${aa.finalCheck?.maxPerturbation} (eps ${aa.eps}) ${aa.finalCheck?.passed ? 'ok' : 'FAILED'}; flags: ${report.flags.join(' | ') || 'none'}`);
  writeFileAtomic(o.out, JSON.stringify({ run: o.run, activation, examples: n, seconds: (Date.now() - started) / 1000, report }, null, 1));
}

main();
