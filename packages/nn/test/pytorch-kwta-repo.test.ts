import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, noGrad, tensor, tidy } from '@kwta/core';
import { afterAll, describe, expect, it } from 'vitest';
import { KWTA, ReLU, sparseDenseNet121, sparseMnistCnn, sparseResNet34, sparseWideResNet, type Module } from '../src/index.js';
import { loadTorchCheckpoint } from '../src/node.js';
import { writeTorchFixtures } from './torch-fixtures.js';

/**
 * The kWTA repository's other sparse models, written in PyTorch from its code
 * (fixtures/kwta_repo_models.py), saved at test time: each loads strictly by name into our
 * builder, and gives PyTorch's eval logits on an input. Both sides run in float64 (the
 * float32 weights widened): k-WTA's selection is discontinuous, so in float32 a last-bit
 * difference next to a threshold can swap a winner; in float64 the comparison is exact to
 * rounding (the float32 ResNet-18 comparison is in pytorch-resnet18.test.ts).
 */
const fixtures = await writeTorchFixtures('kwta_repo_models.py');
afterAll(fixtures.cleanup);
const gen = new Generator(3);
const dtype = 'float64';

const CASES: [string, () => Module, (m: Module) => void][] = [
  ['spresnet34', () => sparseResNet34({ gen, dtype, sparsity: 0.1 }), (m) => expect(m.modules().filter((x) => x instanceof KWTA)).toHaveLength(32)],
  ['spdensenet121', () => sparseDenseNet121({ gen, dtype, sparsity: 0.1 }), (m) => expect((m as ReturnType<typeof sparseDenseNet121>).act).toBeInstanceOf(ReLU)],
  ['spwrn-16-2', () => sparseWideResNet({ gen, dtype, sparsity: 0.1, depth: 16, widenFactor: 2 }), (m) => expect(m.stateDict().has('block1.layer.0.conv1.bias')).toBe(true)],
  ['spmnistcnn', () => sparseMnistCnn({ gen, dtype, sp1: 0.2, sp2: 0.3, hiddenSize: 100 }), (m) => expect(m.modules().filter((x) => x instanceof KWTA)).toHaveLength(5)],
];

describe("the kWTA repository's sparse models saved by PyTorch", () => {
  it.each(CASES)('%s loads strictly by name and reproduces PyTorch eval logits (float64)', (name, build, structure) => {
    const io = JSON.parse(readFileSync(join(fixtures.dir, `${name}-io.json`), 'utf8')) as { x: number[]; shape: number[]; logits: number[] };
    const model = build();
    structure(model);
    loadTorchCheckpoint(model, join(fixtures.dir, `${name}.pth`));
    model.eval();
    const logits = noGrad(() => tidy(() => Array.from(model.forward(tensor(Float64Array.from(io.x), io.shape, dtype)).dataSync())));
    const scale = Math.max(...io.logits.map(Math.abs));
    const maxAbs = Math.max(...logits.map((v, i) => Math.abs(v - io.logits[i])));
    expect(maxAbs / scale, `max abs diff ${maxAbs} at scale ${scale}`).toBeLessThan(1e-12);
    model.dispose();
  });
});
