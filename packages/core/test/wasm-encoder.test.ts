import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FnBuilder } from '../src/backends/wasm/emit/builder.js';
import { encodeModule, sleb, uleb } from '../src/backends/wasm/emit/encoder.js';
import { kernelModuleBytes } from '../src/backends/wasm/emit/module.js';

function readUleb(bytes: number[]): number {
  let v = 0, shift = 0;
  for (const b of bytes) {
    v += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) break;
  }
  return v;
}

function readSleb(bytes: number[]): number {
  let v = 0, shift = 0, b = 0;
  for (const x of bytes) {
    b = x;
    v |= (b & 0x7f) << shift;
    shift += 7;
    if ((b & 0x80) === 0) break;
  }
  return shift < 32 && (b & 0x40) !== 0 ? v | (-1 << shift) : v;
}

describe('wasm encoder', () => {
  it('LEB128 round-trips every u32 and i32', () => {
    fc.assert(fc.property(fc.nat({ max: 2 ** 32 - 1 }), fc.integer(), (u, s) => {
      const a: number[] = [], b: number[] = [];
      uleb(a, u);
      sleb(b, s);
      expect(readUleb(a)).toBe(u);
      expect(readSleb(b)).toBe(s);
      expect(a.length).toBeLessThanOrEqual(5);
      expect(b.length).toBeLessThanOrEqual(5);
    }), { seed: 7, numRuns: 500 });
  });

  it('emits kernel modules that validate, for several register tiles, shared or not', () => {
    for (const g of [{ MR: 4, NR: 8, KC: 256, MC: 64 }, { MR: 6, NR: 8, KC: 128, MC: 32 }, { MR: 3, NR: 16, KC: 64, MC: 8 }]) {
      for (const shared of [false, true]) expect(WebAssembly.validate(kernelModuleBytes(g, shared) as BufferSource)).toBe(true);
    }
  });

  it('a hand-built f32x4 function computes what it says (store(a * b + c) lane by lane)', () => {
    const f = FnBuilder.i32Params('fma4', 4);
    f.get(3).get(0).v128load().get(1).v128load().f32x4mul().get(2).v128load().f32x4add().v128store();
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
    const bytes = encodeModule([f.def()], { initialPages: 1, maximumPages: 1, shared: false });
    const fma4 = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), { env: { memory } }).exports.fma4 as (...a: number[]) => void;
    const m = new Float32Array(memory.buffer);
    m.set([1, 2, 3, 4, 5, 6, 7, 8, 0.5, -1, 2, 0], 0);
    fma4(0, 16, 32, 48);
    expect(Array.from(m.subarray(12, 16))).toEqual([5.5, 11, 23, 32]);
  });
});
