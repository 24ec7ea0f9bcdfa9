import { APGD } from '@kwta/attacks';
import { Generator, noGrad, setBackend, tensor, tidy } from '@kwta/core';
import { batchToTensors, gatherBatch } from '@kwta/datasets';
import { loadMnistPackage } from '@kwta/datasets/node';
import { KWTA, ReLU, crossEntropy, encodeSafetensors, mnistCnn, type MnistCnn } from '@kwta/nn';
import { Adam } from '@kwta/optim';
import { kwtaBackend, kwtaBackendInfo, WASM_THREADS } from '../contenders/backends.js';
import { kwtaContender } from '../contenders/kwta.js';
import { findTorch, pytorchContender, torchBlasLibraries } from '../contenders/pytorch.js';
import type { BenchCase, Contender, Mode, RatioSpec, Suite } from '../harness/types.js';

/**
 * APGD-CE (100 iterations, L-inf eps 0.3, one restart) over MNIST test digits against the
 * MNIST CNN with ReLU and with k-WTA-0.1, trained first (untimed, one epoch of Adam on the 8,000
 * embedded training digits, fixed seeds); @kwta/attacks on the WebAssembly backend against the
 * same algorithm in PyTorch (python/apgd_ce_bench.py) on OpenBLAS, both on WASM_THREADS threads.
 * Both skip examples wrong from the start and stop each example once broken, so the work is
 * the same up to the random starts (each engine's own generator): their robust accuracies must
 * agree within 2 points, and the notes give kwta's gradient evaluations per run.
 */
interface ApgdConfig {
  examples: number;
  steps: number;
  eps: number;
  hidden: number;
  channels: [number, number, number, number];
  /** Training epochs over the 8,000 digits (0: the seeded initial weights). */
  epochs: number;
  seed: number;
}

const FULL: ApgdConfig = { examples: 1000, steps: 100, eps: 0.3, hidden: 256, channels: [32, 32, 64, 64], epochs: 1, seed: 1 };
const QUICK: ApgdConfig = { examples: 8, steps: 4, eps: 0.3, hidden: 16, channels: [4, 4, 8, 8], epochs: 0, seed: 1 };

type Act = 'relu' | 'kwta';
const GAMMA = 0.1;

function build(cfg: ApgdConfig, act: Act): MnistCnn {
  return mnistCnn({ gen: new Generator(cfg.seed), hiddenSize: cfg.hidden, channels: cfg.channels, activation: () => (act === 'kwta' ? new KWTA({ gamma: GAMMA }) : new ReLU()) });
}

/** The trained model (on the wasm backend) and the test digits, shared by both engines. */
function prepare(cfg: ApgdConfig, act: Act): { model: MnistCnn; x: Float32Array; y: Int32Array } {
  setBackend(kwtaBackend('wasm'));
  const model = build(cfg, act);
  const train = loadMnistPackage({ split: 'train' });
  const opt = new Adam(model.parameters(), { lr: 0.001 });
  const gen = new Generator(cfg.seed + 1);
  for (let e = 0; e < cfg.epochs; e++) {
    const order = Int32Array.from({ length: train.labels.length }, (_, i) => i);
    gen.shuffle(order);
    for (let s = 0; s + 64 <= order.length; s += 64) {
      tidy(() => {
        const { images, labels } = batchToTensors(gatherBatch(train, order.subarray(s, s + 64)));
        opt.zeroGrad();
        crossEntropy(model.forward(images), labels).backward();
        opt.step();
      });
    }
  }
  opt.zeroGrad();
  model.eval();
  const test = loadMnistPackage({ split: 'test', limit: cfg.examples });
  return { model, x: test.images, y: test.labels };
}

/** What each side reported per run (gradient evaluations), by contender name, for the notes. */
const spent = new Map<string, number>();
const torchInfo = new Map<string, Record<string, unknown>>();

function apgdCase(cfg: ApgdConfig, act: Act, withTorch: boolean): BenchCase {
  const id = `APGD-CE ${act === 'kwta' ? `k-WTA-${GAMMA}` : 'ReLU'}`;
  const blas = torchBlasLibraries().find((b) => b.id === 'openblas');
  const torchName = blas ? 'pytorch-openblas' : 'pytorch';
  const ratios: RatioSpec[] = withTorch ? [{ numerator: torchName, denominator: 'kwta-wasm', target: { min: 1 } }] : [];
  return {
    id,
    description: `APGD-CE (${cfg.steps} iterations, L-inf eps ${cfg.eps}, 1 restart, per-example early stop) on ${cfg.examples} MNIST test digits, MNIST CNN channels ${cfg.channels.join('/')}, hidden ${cfg.hidden}, ${act === 'kwta' ? `k-WTA gamma ${GAMMA}` : 'ReLU'}, trained ${cfg.epochs} epoch(s)`,
    params: { examples: cfg.examples, steps: cfg.steps, eps: cfg.eps, hidden: cfg.hidden, channels: cfg.channels.join('/'), activation: act, epochs: cfg.epochs, threads: WASM_THREADS },
    flops: 0,
    // Outputs: robust accuracy and clean accuracy. The two engines draw different random starts,
    // so robust accuracy agrees only statistically: within 2 points (relative to the clean accuracy ~1).
    reference: 'kwta-wasm',
    tolerance: 0.02,
    ratios,
    contenders() {
      const { model, x, y } = prepare(cfg, act);
      const list: Contender[] = [
        kwtaContender(() => {
          const xt = tensor(x, [cfg.examples, 1, 28, 28]);
          const attack = new APGD({ eps: cfg.eps, steps: cfg.steps });
          const seeds = Array.from(y, (_, i) => cfg.seed * 1000003 + i);
          const accuracy = (success: boolean[]) => success.filter((s) => !s).length / success.length;
          const clean = () => tidy(() => noGrad(() => Array.from(model.forward(xt).argmax(1).dataSync()).filter((p, i) => p === y[i]).length / y.length));
          return {
            inputs: [xt],
            run: () => {
              const r = attack.run(model, xt, y, { seeds });
              spent.set(`${id} kwta-wasm`, r.gradCount.reduce((a, b) => a + b, 0));
            },
            outputs: () => tidy(() => [Float32Array.of(accuracy(attack.run(model, xt, y, { seeds }).success), clean())]),
            dispose: () => model.dispose(),
          };
        }, { name: 'kwta-wasm', backend: 'wasm' }),
      ];
      if (withTorch) {
        const config = new TextEncoder().encode(JSON.stringify({ model: 'mnist-cnn', activation: act === 'kwta' ? `kwta:${GAMMA}` : 'relu', hidden: cfg.hidden, channels: cfg.channels }));
        const weights = noGrad(() => encodeSafetensors(model.stateDict()));
        list.push(pytorchContender('apgd_ce_bench.py', () => ({
          files: { 'config.json': config, 'model.safetensors': weights, 'x.f32': x, 'y.i32': y },
          args: [cfg.eps, cfg.steps, WASM_THREADS, cfg.seed].map(String),
        }), (ready) => { torchInfo.set(torchName, ready); }, { name: torchName, blas }));
      }
      return list;
    },
  };
}

/** Issue 13: APGD-CE at least as fast as the same algorithm in PyTorch (OpenBLAS, 2 threads). */
export const apgdSuite: Suite = {
  name: 'apgd',
  description: `APGD-CE (100 iterations) on 1000 MNIST test digits against the MNIST CNN (ReLU and k-WTA-${GAMMA}): @kwta/attacks on WebAssembly SIMD (${WASM_THREADS} threads) vs the same algorithm in PyTorch on OpenBLAS (${WASM_THREADS} threads)`,
  cases(mode: Mode) {
    const torch = findTorch().available;
    const cfg = mode === 'quick' ? QUICK : FULL;
    return (['relu', 'kwta'] as const).map((act) => apgdCase(cfg, act, torch));
  },
  async environment() {
    return { kwtaWasm: kwtaBackendInfo('wasm'), pytorch: findTorch() };
  },
  notes(result) {
    const torch = findTorch();
    const lines = [torch.available ? `PyTorch ${torch.version} (${torch.python}); a ratio pytorch / kwta-wasm >= 1 means kwta's APGD is at least as fast.` : `PyTorch: not run: ${torch.reason}`];
    for (const [name, ready] of torchInfo) lines.push(`${name}: ${String(ready.threads)} threads, BLAS ${String(ready.blas)}`);
    for (const [name, grads] of spent) lines.push(`${name}: ${grads} gradient evaluations in the last timed run`);
    if (torchInfo.size) result.environment.pytorchRuns = Object.fromEntries(torchInfo);
    return lines;
  },
};
