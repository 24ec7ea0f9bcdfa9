import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError, readTorchCheckpoint } from '../src/index.js';
import { writeTorchFixtures } from './torch-fixtures.js';

/**
 * Corrupt copies of files PyTorch wrote (truncated, bytes flipped, header fields overwritten
 * with lies) must be refused with a CheckpointError, quickly, and without decoding or inflating
 * more than the file's own size: every run uses limits.maxBytes = the corrupt file's length,
 * the budget every size-driven allocation is charged to before it happens. Zip members carry
 * CRC-32s, so a corrupt zip that still reads must read exactly as the original.
 */
const fixtures = await writeTorchFixtures('torch_checkpoints.py');
afterAll(fixtures.cleanup);

const FILES = ['dtypes.pth', 'views.pth', 'dtypes-deflated.pth', 'dtypes-legacy.pth', 'views-legacy.pth'];
const originals = new Map(FILES.map((f) => [f, new Uint8Array(readFileSync(join(fixtures.dir, f)))]));

/** Every tensor's dtype, shape and values (NaN-safe), or the error's class. */
function outcome(bytes: Uint8Array): { values?: string; error?: unknown; ms: number; allocated?: number } {
  const t0 = performance.now();
  try {
    const ckpt = readTorchCheckpoint(bytes, { limits: { maxBytes: bytes.length } });
    const dict = ckpt.stateDict();
    const values = JSON.stringify([...dict].map(([k, t]) => [k, t.dtype, t.shape, Array.from(t.dataSync(), String)]));
    for (const t of dict.values()) t.dispose();
    return { values, ms: performance.now() - t0, allocated: ckpt.allocatedBytes };
  } catch (error) {
    return { error, ms: performance.now() - t0 };
  }
}

/** Offsets of the zip records' fixed-size headers, where a lie can be told. */
function headerFields(b: Uint8Array): number[] {
  const sizes: Record<number, number> = { 0x04034b50: 30, 0x02014b50: 46, 0x06054b50: 22, 0x06064b50: 56, 0x07064b50: 20 };
  const out: number[] = [];
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i + 4 <= b.length; i++) {
    const n = sizes[v.getUint32(i, true)];
    if (n) for (let k = 4; k < n; k++) out.push(i + k);
  }
  return out;
}

type Mutation = (b: Uint8Array) => Uint8Array;
const truncate = fc.nat().map((n): Mutation => (b) => b.subarray(0, n % b.length));
const flip = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips): Mutation => (b) => {
  const c = b.slice();
  for (const [at, x] of flips) c[at % c.length] ^= x;
  return c;
});
const LIES = [0, 1, 0xff, 0xffff, 0x7fffffff, 0xffffffff, 0x10000, 12345678];
const lie = fc.tuple(fc.nat(), fc.constantFrom(...LIES), fc.constantFrom(1, 2, 4), fc.boolean()).map(([pick, value, width, inHeader]): Mutation => (b) => {
  const c = b.slice();
  const fields = inHeader ? headerFields(c) : [];
  // Zip header fields when asked (and present); else anywhere (legacy pickles, counts, data).
  const at = Math.min(fields.length ? fields[pick % fields.length] : pick % c.length, c.length - width);
  const v = new DataView(c.buffer);
  if (width === 1) v.setUint8(at, value & 0xff);
  else if (width === 2) v.setUint16(at, value & 0xffff, true);
  else v.setUint32(at, value >>> 0, true);
  return c;
});

describe('fuzzed corrupt checkpoints', () => {
  for (const name of FILES) {
    it(`${name}: truncated, flipped or lying copies are refused with CheckpointError or read identically`, () => {
      const original = originals.get(name)!;
      const reference = outcome(original);
      expect(reference.error).toBeUndefined();
      const zip = !name.includes('legacy');
      let refused = 0, slowest = 0;
      fc.assert(
        fc.property(fc.oneof(truncate, flip, lie), (mutate) => {
          const bytes = mutate(original);
          const r = outcome(bytes);
          slowest = Math.max(slowest, r.ms);
          // A hang or a blow-up takes seconds to hours; a generous bound keeps a loaded CI machine from flaking.
          expect(r.ms).toBeLessThan(1000);
          if (r.error !== undefined) {
            // Not a TypeError or RangeError from deep inside: our typed error, naming the file.
            expect(r.error).toBeInstanceOf(CheckpointError);
            expect((r.error as Error).message).toMatch(/^checkpoint: /);
            refused++;
            return;
          }
          expect(r.allocated).toBeLessThanOrEqual(bytes.length);
          // A zip member's CRC-32 catches changed data: what still reads is the original.
          if (zip) expect(r.values).toBe(reference.values);
        }),
        { numRuns: 400, seed: 19 },
      );
      console.log(`${name}: ${refused} of 400 corrupt copies refused, the rest read (${zip ? 'identical to the original' : 'legacy: no checksums'}); slowest ${slowest.toFixed(1)} ms`);
      expect(refused).toBeGreaterThan(200);
    });
  }
});
