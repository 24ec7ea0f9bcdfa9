import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, ShapeError } from '@kwta/core';
import { afterAll, describe, expect, it } from 'vitest';
import { BatchNorm2d, CheckpointError, Conv2d, Flatten, Linear, Sequential, TorchTensor, readTorchCheckpoint, type TorchCheckpoint } from '../src/index.js';
import { loadTorchCheckpoint, readTorchCheckpointFile } from '../src/node.js';
import { expectedNumber, readExpected, writeTorchFixtures, type ExpectedTensor } from './torch-fixtures.js';

const fixtures = await writeTorchFixtures('torch_checkpoints.py');
afterAll(fixtures.cleanup);
const file = (name: string) => join(fixtures.dir, name);
const expected = readExpected(fixtures.dir);

/** PyTorch dtype -> the engine dtype the reader gives it (the stated conversions). */
const ENGINE: Record<string, string> = {
  float32: 'float32', float64: 'float64', float16: 'float32', bfloat16: 'float32',
  int64: 'int32', int32: 'int32', int16: 'int32', int8: 'int32', uint8: 'int32', bool: 'bool',
};

/** Every tensor of `ckpt` equals what torch.load read: names, order, dtype, shape, values bit for bit. */
function expectSameAsTorch(ckpt: TorchCheckpoint, want: Record<string, ExpectedTensor>): void {
  expect([...ckpt.entries.keys()]).toEqual(Object.keys(want));
  const dict = ckpt.stateDict();
  for (const [name, w] of Object.entries(want)) {
    const t = dict.get(name)!;
    expect(ckpt.entries.get(name)!.torchDType, name).toBe(w.dtype);
    expect(t.dtype, name).toBe(ENGINE[w.dtype]);
    expect(t.shape, name).toEqual(w.shape);
    const got = Array.from(t.dataSync());
    // Object.is: NaN equals NaN, and -0 differs from 0.
    got.forEach((v, i) => expect(Object.is(v, w.dtype === 'bool' ? Number(w.values[i]) : expectedNumber(w.values[i])), `${name}[${i}]: ${v} vs ${String(w.values[i])}`).toBe(true));
  }
  for (const t of dict.values()) t.dispose();
}

describe('torch.save files written by PyTorch', () => {
  it.each([
    'dtypes.pth', 'dtypes-legacy.pth', 'dtypes-protocol2.pth', 'dtypes-protocol3.pth', 'dtypes-protocol4.pth', 'dtypes-protocol5.pth',
    'dtypes-legacy-protocol4.pth', 'dtypes-big-endian.pth', 'dtypes-deflated.pth',
  ])('%s: every dtype reads back as PyTorch reads it', (name) => {
    const ckpt = readTorchCheckpointFile(file(name));
    expect(ckpt.format).toBe(name.includes('legacy') ? 'legacy' : 'zip');
    expectSameAsTorch(ckpt, expected[name]!);
  });

  it.each(['views.pth', 'views-legacy.pth'])('%s: shared storages, offsets, transposes, steps and stride 0', (name) => {
    const ckpt = readTorchCheckpointFile(file(name));
    expectSameAsTorch(ckpt, expected[name]!);
    const e = ckpt.entries;
    // One storage read once, shared by the five views of `base` as in PyTorch.
    for (const v of ['window', 'matrix', 'transposed', 'stepped']) expect(e.get(v)!.storage).toBe(e.get('base')!.storage);
    expect(e.get('window')!.offset).toBe(5);
    expect(e.get('transposed')!.strides).toEqual([1, 6]);
    expect(e.get('stepped')!.strides).toEqual([6, 2]);
    expect(e.get('expanded')!.strides).toEqual([0, 1]);
  });

  it('unwraps {state_dict: ...} and notes the optimizer state and other entries it ignores', () => {
    const ckpt = readTorchCheckpointFile(file('wrapped-state_dict.pth'));
    expectSameAsTorch(ckpt, expected['plain.pth']!);
    expect(ckpt.notes).toEqual([
      "state dict read from the wrapper key 'state_dict'",
      'optimizer state ignored (optimizer): evaluation needs only the weights',
      'other entries ignored: epoch (int 7), best_acc (float 0.5), arch (str "tiny")',
    ]);
  });

  it('unwraps {model: ...}, a key path, DataParallel prefixes and Parameters', () => {
    const model = readTorchCheckpointFile(file('wrapped-model.pth'));
    expectSameAsTorch(model, expected['plain.pth']!);
    expect(model.notes[0]).toBe("state dict read from the wrapper key 'model'");
    expectSameAsTorch(readTorchCheckpointFile(file('wrapped-nested.pth'), { key: ['ema', 'weights'] }), expected['plain.pth']!);
    const dp = readTorchCheckpointFile(file('data-parallel.pth'));
    expectSameAsTorch(dp, expected['plain.pth']!);
    expect(dp.notes).toEqual(["removed the prefix 'module.' from all 9 names"]);
    expect([...readTorchCheckpointFile(file('data-parallel.pth'), { stripPrefix: false }).entries.keys()][0]).toBe('module.0.weight');
    expectSameAsTorch(readTorchCheckpointFile(file('parameter.pth')), expected['parameter.pth']!);
    expect(() => readTorchCheckpointFile(file('wrapped-nested.pth'), { key: 'ema' })).toThrow(/'ema' is dict of 1 keys, not a state dict/);
  });

  it('renames entries by prefix or by function, dropping those the function rejects', () => {
    const byPrefix = readTorchCheckpointFile(file('plain.pth'), { rename: { '0.': 'conv.', '3.': 'fc.' } });
    expect([...byPrefix.entries.keys()]).toEqual(['conv.weight', 'conv.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked', 'fc.weight', 'fc.bias']);
    const byFunction = readTorchCheckpointFile(file('plain.pth'), { rename: (n) => (n.endsWith('num_batches_tracked') ? undefined : `net.${n}`) });
    expect(byFunction.entries.size).toBe(8);
    expect(byFunction.notes).toEqual(['rename dropped 1 entries: 1.num_batches_tracked']);
    expect(() => readTorchCheckpointFile(file('plain.pth'), { rename: () => 'same' })).toThrow(CheckpointError);
  });

  it('loads into a model by name with strict key and shape checks, before decoding anything', () => {
    const gen = new Generator(1);
    const net = () => new Sequential(new Conv2d(1, 2, 3, { gen }), new BatchNorm2d(2), new Flatten(), new Linear(2, 3, { gen }));
    const m = net();
    const report = loadTorchCheckpoint(m, file('wrapped-state_dict.pth'));
    expect(report).toMatchObject({ format: 'zip', loaded: 9 });
    const want = expected['plain.pth']!;
    for (const [k, t] of m.stateDict()) expect(Array.from(t.dataSync())).toEqual(want[k].values.map(Number));
    const wrongShape = new Sequential(new Conv2d(1, 2, 3, { gen }), new BatchNorm2d(2), new Flatten(), new Linear(2, 4, { gen }));
    expect(() => loadTorchCheckpoint(wrongShape, file('plain.pth'))).toThrow(ShapeError);
    expect(() => loadTorchCheckpoint(wrongShape, file('plain.pth'))).toThrow(/tensor '3.weight' has shape \[3, 2\] in the file but \[4, 2\]/);
    const fewer = new Sequential(new Conv2d(1, 2, 3, { gen }));
    expect(() => loadTorchCheckpoint(fewer, file('plain.pth'))).toThrow(/unexpected: 1.weight/);
    expect(loadTorchCheckpoint(fewer, file('plain.pth'), { strict: false }).notes.at(-1)).toMatch(/^not in Sequential, not loaded: 1.weight/);
    // A float64 model takes float32 weights (cast as PyTorch's copy_ does).
    const wide = new Sequential(new Conv2d(1, 2, 3, { gen, dtype: 'float64' }));
    loadTorchCheckpoint(wide, file('plain.pth'), { strict: false });
    expect((wide.stateDict().get('0.weight')!.dtype)).toBe('float64');
    for (const x of [m, wrongShape, fewer, wide]) x.dispose();
  });

  it('refuses an int64 value outside int32 instead of wrapping it', () => {
    const ckpt = readTorchCheckpointFile(file('out-of-range-int64.pth'));
    expect(() => ckpt.stateDict()).toThrow(/tensor 'big': element 0 = 1099511627776 \(int64\) does not fit int32/);
  });

  it('counts what it decodes against limits.maxBytes and refuses before allocating past it', () => {
    const bytes = readFileSync(file('dtypes.pth'));
    const ckpt = readTorchCheckpoint(bytes);
    const dict = ckpt.stateDict();
    const decoded = [...dict.values()].reduce((s, t) => s + t.size * (t.dtype === 'float64' ? 8 : t.dtype === 'bool' ? 1 : 4), 0);
    expect(ckpt.allocatedBytes).toBe(decoded);
    for (const t of dict.values()) t.dispose();
    const tight = readTorchCheckpoint(bytes, { limits: { maxBytes: 40 } });
    expect(tight.tensor('f32').size).toBe(9);
    expect(() => tight.tensor('f64')).toThrow(/tensor 'f64' \(tensor float64 \[6\] as float64\) needs 48 bytes, over the reader's limit \(36 of 40/);
    // A deflated member is charged before it is inflated.
    expect(() => readTorchCheckpoint(readFileSync(file('dtypes-deflated.pth')), { limits: { maxBytes: 100 } })).toThrow(/inflating zip member 'dtypes\/data.pkl' needs \d+ bytes, over the reader's limit/);
  });

  it('keeps TorchTensor views checked against their storage', () => {
    const ckpt = readTorchCheckpointFile(file('views.pth'));
    const base = ckpt.entries.get('base')!;
    expect(() => new TorchTensor(base.storage, 20, [5], [1], false)).toThrow(/reaches element 24, past the storage's 24/);
    expect(() => new TorchTensor(base.storage, 0, [2 ** 40, 2 ** 40], [0, 0], false)).toThrow(/overflows/);
    expect(() => new TorchTensor(base.storage, 0, [2, 3], [1], false)).toThrow(/does not fit size/);
  });
});

describe('hostile and unsupported files are refused, naming what is wrong', () => {
  it.each([
    ['os-system.pth', /global 'posix.system' is not on the allowlist of what a state dict needs; nothing was executed/],
    ['os-system-legacy.pth', /global 'posix.system' is not on the allowlist/],
    ['os-system-protocol5.pth', /global 'posix.system' is not on the allowlist/],
    ['whole-module.pth', /global 'torch.nn.modules.container.Sequential' is not on the allowlist .*: the file pickles a whole model object; save model.state_dict\(\) instead/],
    ['torch-size.pth', /global 'torch.Size' is not on the allowlist/],
    ['list-root.pth', /the file holds list of 2, not a state dict/],
    ['cyclic.pth', /the object graph has a cycle \(a list of 1 contains itself through the memo\)/],
  ])('%s', (name, message) => {
    const read = () => readTorchCheckpointFile(file(name));
    expect(read).toThrow(CheckpointError);
    expect(read).toThrow(message);
  });
});
