import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataFormatError, parseIdx, parseMat5 as parseBytes, svhnFromArrays, validateCifar10Batch, type Mat5Options } from '../src/index.js';
import { gunzipBounded, inflateBounded } from '../src/node.js';
import { cifarBytes, gzip, idxBytes, matBytes, MI, MX, patternBytes, svhnVariables } from './helpers/writers.js';

/**
 * Corrupt inputs (truncations, byte flips, lying dimensions) must either still parse into
 * something self-consistent or be refused with a DataFormatError; never another exception, a
 * hang or a huge allocation.
 */
function refusedOrValid(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch (e) {
    if (e instanceof DataFormatError) return true;
    throw e;
  }
}

const flips = (length: number, within: number) =>
  fc.array(fc.tuple(fc.nat({ max: Math.max(0, Math.min(length, within) - 1) }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 });

function flipped(bytes: Uint8Array, changes: [number, number][]): Uint8Array {
  const out = bytes.slice();
  for (const [at, x] of changes) out[at] ^= x;
  return out;
}

const parseMat5 = (bytes: Uint8Array, file: string, options: Mat5Options = {}) => parseBytes(bytes, file, { inflate: inflateBounded, ...options });

const idxImages = idxBytes([3, 5, 4], patternBytes(60));
const idxGz = gzip(idxImages);
const cifar = cifarBytes([1, 9, 0], patternBytes(3 * 3072));
const svhn = svhnVariables(patternBytes(2 * 3072), [3, 0]);
const matCompressed = matBytes(svhn);
const matPlain = matBytes([...svhn, { name: 'extra', classCode: MX.INT16, dims: [2, 3], values: [1, 2, 3, 4, 5, 6], storage: MI.INT16 }], {
  compress: false,
});
const parseSvhn = (bytes: Uint8Array) => {
  const vars = parseMat5(bytes, 'f.mat', { variables: ['X', 'y'], maxBytes: 1 << 20 });
  return svhnFromArrays(vars.get('X'), vars.get('y'), 'f.mat');
};

/** More runs for a deeper local search: KWTA_FUZZ_RUNS=20000 npx vitest run test/fuzz.test.ts */
const RUNS = Number(process.env.KWTA_FUZZ_RUNS ?? 300);

describe('fuzzed corrupt files are refused with DataFormatError', () => {
  it('IDX: truncations', () => {
    fc.assert(
      fc.property(fc.nat({ max: idxImages.length - 1 }), (n) => {
        expect(() => parseIdx(idxImages.subarray(0, n), 'f')).toThrow(DataFormatError);
      }),
      { numRuns: RUNS },
    );
  });

  it('IDX: header byte flips', () => {
    fc.assert(
      fc.property(flips(idxImages.length, 16), (changes) => {
        // Two flips could swap dims with the same product; anything accepted must fill the file exactly.
        expect(
          refusedOrValid(() => {
            const { dims, data } = parseIdx(flipped(idxImages, changes), 'f');
            expect(dims.reduce((a, b) => a * b, 1)).toBe(data.length);
          }),
        ).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('IDX: lying dimensions', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 0xffffffff }), { minLength: 0, maxLength: 5 }), fc.nat({ max: 200 }), (dims, extra) => {
        const bytes = idxBytes(dims, patternBytes(extra));
        const truthful = 4 + 4 * dims.length + dims.reduce((a, b) => a * b, 1) === bytes.length;
        if (truthful) expect(parseIdx(bytes, 'f').dims).toEqual(dims);
        else expect(() => parseIdx(bytes, 'f')).toThrow(DataFormatError);
      }),
      { numRuns: RUNS },
    );
  });

  it('gzip: truncations and flips anywhere', () => {
    fc.assert(
      fc.property(fc.nat({ max: idxGz.length - 1 }), flips(idxGz.length, idxGz.length), (n, changes) => {
        expect(() => gunzipBounded(idxGz.subarray(0, n), 'f')).toThrow(DataFormatError);
        expect(refusedOrValid(() => parseIdx(gunzipBounded(flipped(idxGz, changes), 'f', { maxBytes: 1 << 20 }), 'f'))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('CIFAR-10: truncations and label flips', () => {
    // A cut at a record boundary is a valid shorter batch (the format has no header), so cut elsewhere.
    const cut = fc.nat({ max: cifar.length - 1 }).filter((n) => n % 3073 !== 0);
    fc.assert(
      fc.property(cut, fc.nat({ max: 2 }), fc.integer({ min: 10, max: 255 }), (n, record, label) => {
        expect(() => validateCifar10Batch(cifar.subarray(0, n), 'f')).toThrow(DataFormatError);
        const bad = cifar.slice();
        bad[record * 3073] = label;
        expect(() => validateCifar10Batch(bad, 'f')).toThrow(DataFormatError);
      }),
      { numRuns: RUNS },
    );
  });

  for (const [kind, bytes] of [
    ['compressed', matCompressed],
    ['uncompressed', matPlain],
  ] as const) {
    it(`MAT v5 (${kind}): truncations`, () => {
      fc.assert(
        fc.property(fc.nat({ max: bytes.length - 1 }), (n) => {
          // A cut is refused, unless it only drops whole elements after X and y: then nothing is half-read.
          let parsed: ReturnType<typeof parseSvhn> | null = null;
          expect(refusedOrValid(() => (parsed = parseSvhn(bytes.subarray(0, n))))).toBe(true);
          if (parsed) expect(parsed).toEqual(parseSvhn(bytes));
        }),
        { numRuns: RUNS },
      );
    });

    it(`MAT v5 (${kind}): byte flips in the header and element tags`, () => {
      fc.assert(
        fc.property(flips(bytes.length, 400), (changes) => {
          expect(refusedOrValid(() => parseSvhn(flipped(bytes, changes)))).toBe(true);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('MAT v5: lying dimensions and byte counts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -2, max: 0x7fffffff }), { minLength: 2, maxLength: 4 }),
        fc.nat({ max: 40 }),
        fc.boolean(),
        (dims, count, compress) => {
          const bytes = matBytes([{ name: 'v', classCode: MX.DOUBLE, dims, values: new Float64Array(count) }], { compress });
          const truthful = dims.every((d) => d >= 0) && dims.reduce((a, b) => a * b, 1) === count;
          if (truthful) expect(parseMat5(bytes, 'f').get('v')!.dims).toEqual(dims);
          else expect(() => parseMat5(bytes, 'f')).toThrow(DataFormatError);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
