import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DTypeError, Generator, ShapeError, randn, tensor, tidy } from '@kwta/core';
import { afterAll, describe, expect, it } from 'vitest';
import { BatchNorm1d, Linear, Sequential, SafetensorsError, decodeSafetensors, encodeSafetensors, loadSafetensorsBytes, readHeader, resnet18, type Module } from '../src/index.js';
import { loadSafetensors, loadSafetensorsInto, saveSafetensors } from '../src/node.js';

const dir = mkdtempSync(join(tmpdir(), 'kwta-nn-safetensors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const small = (seed: number) => new Sequential(new Linear(2, 3, { gen: new Generator(seed) }), new BatchNorm1d(3));
const values = (m: Module) => [...m.stateDict()].map(([k, t]) => [k, t.dtype, Array.from(t.dataSync())]);

/**
 * The bytes PyTorch's `safetensors.torch.save_file(model.state_dict(), path)` writes for
 * `small`: tensors ordered by alignment then name (the I64 counter first), header padded with
 * spaces to a multiple of 8, `__metadata__: {format: pt}`, little-endian data.
 */
function pytorchStyleFile(weight: number[], shapeOverride?: number[]): Uint8Array {
  const f32: [string, number[], number[]][] = [
    ['0.bias', [3], [0.1, 0.2, 0.3]],
    ['0.weight', shapeOverride ?? [3, 2], weight],
    ['1.bias', [3], [0, 0, 0]],
    ['1.running_mean', [3], [0.5, -0.5, 1.5]],
    ['1.running_var', [3], [1, 2, 3]],
    ['1.weight', [3], [1, 1, 1]],
  ];
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' }, '1.num_batches_tracked': { dtype: 'I64', shape: [], data_offsets: [0, 8] } };
  let offset = 8;
  for (const [name, shape, v] of f32) {
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + 4 * v.length] };
    offset += 4 * v.length;
  }
  let json = JSON.stringify(header);
  while (json.length % 8) json += ' ';
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  for (let i = 0; i < json.length; i++) out[8 + i] = json.charCodeAt(i);
  const data = 8 + json.length;
  view.setBigInt64(data, 7n, true);
  let at = data + 8;
  for (const [, , v] of f32) {
    for (const x of v) {
      view.setFloat32(at, x, true);
      at += 4;
    }
  }
  return out;
}

describe('safetensors', () => {
  it('round-trips a ResNet-18 state dict (bytes and file), PyTorch names included', () => {
    const a = resnet18({ gen: new Generator(1), width: 4 });
    tidy(() => a.forward(randn([2, 3, 8, 8], new Generator(2)))); // move the running statistics
    const b = resnet18({ gen: new Generator(99), width: 4 });
    expect(values(b)).not.toEqual(values(a));
    const bytes = encodeSafetensors(a.stateDict(), { format: 'pt' });
    expect(readHeader(bytes).entries.map((e) => e.name)).toContain('layer2.0.shortcut.1.running_var');
    expect(readHeader(bytes).dataStart % 8).toBe(0);
    loadSafetensorsBytes(b, bytes);
    expect(values(b)).toEqual(values(a));
    const path = join(dir, 'resnet.safetensors');
    saveSafetensors(path, a, { format: 'pt' });
    expect(readFileSync(path)).toEqual(Buffer.from(bytes));
    const c = resnet18({ gen: new Generator(5), width: 4 });
    loadSafetensorsInto(c, path);
    expect(values(c)).toEqual(values(a));
    const { tensors, metadata } = loadSafetensors(path);
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.get('bn1.num_batches_tracked')!.item()).toBe(1);
    for (const t of tensors.values()) t.dispose();
    for (const m of [a, b, c]) m.dispose();
  });

  it('loads a file written byte by byte as PyTorch writes it (I64 counter, padded header)', () => {
    const path = join(dir, 'pytorch.safetensors');
    writeFileSync(path, pytorchStyleFile([1, 2, 3, 4, 5, 6]));
    const m = small(0);
    loadSafetensorsInto(m, path);
    const s = m.stateDict();
    expect(Array.from(s.get('0.weight')!.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(s.get('0.bias')!.dataSync())).toEqual([0.1, 0.2, 0.3].map(Math.fround));
    expect(Array.from(s.get('1.running_var')!.dataSync())).toEqual([1, 2, 3]);
    expect(s.get('1.num_batches_tracked')!.item()).toBe(7);
    const { tensors } = decodeSafetensors(pytorchStyleFile([1, 2, 3, 4, 5, 6]));
    expect([...tensors.keys()][0]).toBe('1.num_batches_tracked');
    expect(tensors.get('0.weight')!.shape).toEqual([3, 2]);
    for (const t of tensors.values()) t.dispose();
    m.dispose();
  });

  it('refuses a mismatched shape before changing anything, naming file, key and shapes', () => {
    const path = join(dir, 'shape.safetensors');
    writeFileSync(path, pytorchStyleFile([1, 2, 3, 4, 5, 6], [2, 3]));
    const m = small(0);
    const before = values(m);
    expect(() => loadSafetensorsInto(m, path)).toThrow(ShapeError);
    expect(() => loadSafetensorsInto(m, path)).toThrow(`${path}: tensor '0.weight' has shape [2, 3] in the file but [3, 2] in Sequential`);
    expect(values(m)).toEqual(before);
    m.dispose();
  });

  it('refuses truncated files', () => {
    const good = pytorchStyleFile([1, 2, 3, 4, 5, 6]);
    const path = join(dir, 'truncated.safetensors');
    writeFileSync(path, good.subarray(0, good.length - 4));
    expect(() => loadSafetensorsInto(small(0), path)).toThrow(SafetensorsError);
    expect(() => loadSafetensorsInto(small(0), path)).toThrow(/tensor '1.weight': data_offsets \[80, 92\] run past the data section \(88 bytes\)/);
    writeFileSync(path, good.subarray(0, 40));
    expect(() => loadSafetensors(path)).toThrow(/header length \d+ runs past the end of the file \(40 bytes\)/);
    writeFileSync(path, good.subarray(0, 5));
    expect(() => loadSafetensors(path)).toThrow(/5 bytes is too short/);
  });

  it('refuses oversized and lying header lengths before allocating', () => {
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 40n, true);
    const path = join(dir, 'huge.safetensors');
    writeFileSync(path, bytes);
    expect(() => loadSafetensors(path)).toThrow(`${path}: header length ${2 ** 40} exceeds the 100000000-byte limit`);
    new DataView(bytes.buffer).setBigUint64(0, 9n, true);
    expect(() => decodeSafetensors(bytes, { source: 'x.safetensors' })).toThrow(/x\.safetensors: header length 9 runs past the end of the file \(16 bytes\)/);
  });

  const withHeader = (header: unknown, dataBytes: number) => {
    const json = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(8 + json.length + dataBytes);
    new DataView(out.buffer).setUint32(0, json.length, true);
    out.set(json, 8);
    return out;
  };

  it('refuses bad JSON, dtypes, offsets (overlap, gap, wrong length) with the key named', () => {
    const bad = new Uint8Array(8 + 3);
    new DataView(bad.buffer).setUint32(0, 3, true);
    bad.set([0x7b, 0x7b, 0x7d], 8);
    expect(() => readHeader(bad)).toThrow(/not valid UTF-8 JSON/);
    expect(() => readHeader(withHeader({ a: { dtype: 'U64', shape: [1], data_offsets: [0, 8] } }, 8))).toThrow(DTypeError);
    expect(() => readHeader(withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, 4))).toThrow(/tensor 'a': data_offsets \[0, 4\] span 4 bytes but F32 \[2\] needs 8/);
    expect(() => readHeader(withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8))).toThrow(/'b' .* overlap 'a'/);
    expect(() => readHeader(withHeader({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8))).toThrow(/gap of 4 bytes before tensor 'a'/);
    expect(() => readHeader(withHeader({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4))).toThrow(/shape must be an array of non-negative integers/);
    expect(() => readHeader(withHeader({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 12))).toThrow(/cover 4 bytes but the data section has 12/);
    expect(() => readHeader(withHeader([1, 2], 0))).toThrow(/must be a JSON object/);
  });

  it('checks keys (strict), dtype kinds and int32 range', () => {
    const m = small(0);
    const partial = encodeSafetensors(new Map([...m.stateDict()].filter(([k]) => k.startsWith('0.'))));
    expect(() => loadSafetensorsBytes(m, partial)).toThrow(/missing: 1.weight, 1.bias, 1.running_mean, 1.running_var, 1.num_batches_tracked/);
    loadSafetensorsBytes(m, partial, { strict: false });
    const wrongKind = tidy(() => encodeSafetensors({ '0.weight': tensor(Int32Array.from([1, 2, 3, 4, 5, 6]), [3, 2]) }));
    expect(() => loadSafetensorsBytes(m, wrongKind, { strict: false })).toThrow(/'0.weight' is I32 in the file but float32/);
    const big = withHeader({ '1.num_batches_tracked': { dtype: 'I64', shape: [], data_offsets: [0, 8] } }, 8);
    new DataView(big.buffer).setBigInt64(big.length - 8, 2n ** 40n, true);
    expect(() => loadSafetensorsBytes(m, big, { strict: false })).toThrow(/does not fit int32/);
    m.dispose();
  });

  it('reads F64, F16 and BF16 into a float32 model', () => {
    const m = new Linear(1, 2, { gen: new Generator(0) });
    // F16 0x3c00 = 1, 0xc000 = -2; BF16 0x3fc0 = 1.5.
    const file = withHeader({ weight: { dtype: 'F16', shape: [2, 1], data_offsets: [0, 4] }, bias: { dtype: 'BF16', shape: [2], data_offsets: [4, 8] } }, 8);
    new Uint16Array(file.buffer, file.length - 8, 4).set([0x3c00, 0xc000, 0x3fc0, 0x3fc0]);
    loadSafetensorsBytes(m, file);
    expect(Array.from(m.weight.dataSync())).toEqual([1, -2]);
    expect(Array.from(m.bias!.dataSync())).toEqual([1.5, 1.5]);
    const f64 = tidy(() => encodeSafetensors({ weight: tensor([[0.25], [0.5]], undefined, 'float64'), bias: tensor([1, 2], undefined, 'float64') }));
    loadSafetensorsBytes(m, f64);
    expect(m.weight.dtype).toBe('float32');
    expect(Array.from(m.weight.dataSync())).toEqual([0.25, 0.5]);
    m.dispose();
  });
});
