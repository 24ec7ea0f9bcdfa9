import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, noGrad, tensor, tidy } from '@kwta/core';
import { afterAll, describe, expect, it } from 'vitest';
import { KWTA, ReLU, sparseResNet18 } from '../src/index.js';
import { loadTorchCheckpoint } from '../src/node.js';
import { writeTorchFixtures } from './torch-fixtures.js';

/**
 * The kWTA repository's sparse ResNet-18 (gamma 0.1, cross-channel k-WTA, ReLU stem), random
 * weights from a fixed torch seed, saved by PyTorch at test time
 * (fixtures/kwta_sparse_resnet18.py), loads by name into sparseResNet18 and gives PyTorch's
 * logits on four fixed inputs.
 */
const fixtures = await writeTorchFixtures('kwta_sparse_resnet18.py', ['0.1', '0']);
afterAll(fixtures.cleanup);

describe("the kWTA repository's sparse ResNet-18 saved by PyTorch", () => {
  it('loads strictly by name and reproduces PyTorch eval logits within 1e-5 (relative to the largest logit)', () => {
    const io = JSON.parse(readFileSync(join(fixtures.dir, 'spresnet18-io.json'), 'utf8')) as { x: number[]; logits: number[] };
    const model = sparseResNet18({ gen: new Generator(7), sparsity: 0.1 });
    // Where the reference puts its k-WTA layers: every block site; the stem keeps ReLU.
    expect(model.act).toBeInstanceOf(ReLU);
    expect(model.modules().filter((m) => m instanceof KWTA)).toHaveLength(16);
    const report = loadTorchCheckpoint(model, join(fixtures.dir, 'spresnet18.pth'));
    expect(report).toMatchObject({ format: 'zip', loaded: 122, notes: [] });
    model.eval();
    const logits = noGrad(() => tidy(() => Array.from(model.forward(tensor(Float32Array.from(io.x), [4, 3, 32, 32])).dataSync())));
    const scale = Math.max(...io.logits.map(Math.abs));
    const maxAbs = Math.max(...logits.map((v, i) => Math.abs(v - io.logits[i])));
    console.log(`sparse ResNet-18 logits vs PyTorch: max abs diff ${maxAbs.toExponential(2)}, relative to max |logit| ${(maxAbs / scale).toExponential(2)} (max |logit| ${scale.toFixed(3)})`);
    expect(maxAbs / scale).toBeLessThan(1e-5);
    // Same predicted class for every input.
    for (let n = 0; n < 4; n++) {
      const row = (a: number[]) => a.slice(n * 10, n * 10 + 10);
      const argmax = (r: number[]) => r.indexOf(Math.max(...r));
      expect(argmax(row(logits))).toBe(argmax(row(io.logits)));
    }
    model.dispose();
  });
});
