import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Generator, type Tensor } from '@kwta/core';
import { sparseResNet18, type ResNet } from '@kwta/nn';
import { loadTorchCheckpoint, readTorchCheckpointFile } from '@kwta/nn/node';
import { WASM_THREADS } from '../contenders/backends.js';
import { kwtaContender } from '../contenders/kwta.js';
import { findTorch, pytorchContender } from '../contenders/pytorch.js';
import type { BenchCase, Mode, Suite } from '../harness/types.js';

/** The nn tests' PyTorch yardstick writes the checkpoint: the kWTA repository's sparse ResNet-18. */
const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE_SCRIPT = [path.resolve(here, '..', '..', 'packages', 'nn', 'test', 'fixtures', 'kwta_sparse_resnet18.py'), path.resolve(here, '..', '..', '..', 'packages', 'nn', 'test', 'fixtures', 'kwta_sparse_resnet18.py')];

let written: string | undefined;
function checkpoint(): string {
  if (written) return written;
  const torch = findTorch();
  if (!torch.available) throw new Error(`pth-load: PyTorch writes the checkpoint: ${torch.reason}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'kwta-bench-pth-'));
  const script = FIXTURE_SCRIPT.find((p) => existsSync(p));
  if (!script) throw new Error(`pth-load: ${FIXTURE_SCRIPT[0]} not found`);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  execFileSync(torch.python, [script, dir], { stdio: 'pipe', timeout: 300_000 });
  written = path.join(dir, 'spresnet18.pth');
  return written;
}

/** Sum of each tensor, in float64, in state-dict order: what every contender must agree on. */
const sums = (tensors: Iterable<Tensor>) => [Float32Array.from([...tensors].map((t) => {
  let s = 0;
  for (const v of t.dataSync()) s += v;
  return s;
}))];

function loadCase(): BenchCase {
  return {
    id: 'ResNet-18 .pth (45 MB)',
    description: "the kWTA repository's sparse ResNet-18 state dict written by torch.save (zip format, 122 tensors, 11.2 M float32 parameters), read from a warm page cache",
    params: { tensors: 122 },
    flops: 0,
    reference: 'pytorch',
    // Sums of float32 values: the engines sum in different orders.
    tolerance: 1e-5,
    ratios: [
      { numerator: 'pytorch', denominator: 'kwta-read' },
      { numerator: 'pytorch', denominator: 'kwta-into-model' },
    ],
    contenders() {
      const file = checkpoint();
      let model: ResNet | null = null;
      return [
        kwtaContender(() => ({
          inputs: [],
          run() {
            // Read the file, check it, and decode every tensor (what torch.load does).
            const dict = readTorchCheckpointFile(file).stateDict();
            for (const t of dict.values()) t.dispose();
          },
          outputs() {
            const dict = readTorchCheckpointFile(file).stateDict();
            const out = sums(dict.values());
            for (const t of dict.values()) t.dispose();
            return out;
          },
        }), { name: 'kwta-read', backend: 'js' }),
        kwtaContender(() => {
          model = sparseResNet18({ gen: new Generator(0), sparsity: 0.1 });
          return {
            inputs: [],
            // Read, check names and shapes against the model, decode into its dtypes, copy in place.
            run: () => void loadTorchCheckpoint(model!, file),
            outputs: () => (loadTorchCheckpoint(model!, file), sums(model!.stateDict().values())),
            dispose: () => model?.dispose(),
          };
        }, { name: 'kwta-into-model', backend: 'js' }),
        pytorchContender('torch_load.py', () => ({ files: {}, args: [file, String(WASM_THREADS)] }), undefined, {
          protocol: {
            run: 'load',
            async outputs(ask) {
              await ask('load');
              return [Float32Array.from((await ask('sums')).values as number[])];
            },
          },
        }),
      ];
    },
  };
}

/** Issue 19: reading a PyTorch checkpoint in TypeScript against torch.load on the same file. */
export const pthLoadSuite: Suite = {
  name: 'pth-load',
  description: "loading a torch.save checkpoint (the kWTA repository's sparse ResNet-18): @kwta/nn's reader (read + decode; and into a model with its checks) vs PyTorch's torch.load",
  cases(mode: Mode) {
    void mode; // one file size: the point is the real model's checkpoint
    return findTorch().available ? [loadCase()] : [];
  },
  async environment() {
    return { pytorch: findTorch() };
  },
  notes() {
    const torch = findTorch();
    return torch.available ? [`PyTorch ${torch.version} (${torch.python}); a ratio pytorch / kwta > 1 means kwta loads faster.`] : [`not run: ${torch.reason}`];
  },
};
