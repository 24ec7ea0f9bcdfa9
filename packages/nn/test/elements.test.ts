import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FILE_DTYPES, decodeElements, type FileDType } from '../src/elements.js';

/** Row-major position -> storage element, straight from the definition (offset + sum index*stride). */
function naiveIndices(shape: number[], strides: number[], offset: number): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, flat) => {
    let rest = flat, at = offset;
    for (let d = shape.length - 1; d >= 0; d--) {
      at += (rest % shape[d]) * strides[d];
      rest = Math.floor(rest / shape[d]);
    }
    return at;
  });
}

const fail = (m: string) => new Error(m);
const layout = fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 5 })), { maxLength: 4 }).chain((dims) =>
  fc.integer({ min: 0, max: 6 }).map((offset) => ({ shape: dims.map((d) => d[0]), strides: dims.map((d) => d[1]), offset })),
);

describe('decodeElements', () => {
  it('reads strided views as their definition says, in both byte orders, for every element type', () => {
    fc.assert(
      fc.property(layout, fc.constantFrom(...(Object.keys(FILE_DTYPES) as FileDType[])), fc.boolean(), ({ shape, strides, offset }, type, le) => {
        const idx = naiveIndices(shape, strides, offset);
        const numel = Math.max(offset + 1, ...idx.map((i) => i + 1));
        const width = FILE_DTYPES[type].bytes;
        // Storage element i holds a small integer every type represents exactly: i % 100.
        const bytes = new Uint8Array(numel * width);
        const v = new DataView(bytes.buffer);
        for (let i = 0; i < numel; i++) {
          const x = i % 100;
          const o = i * width;
          switch (type) {
            case 'F64': v.setFloat64(o, x, le); break;
            case 'F32': v.setFloat32(o, x, le); break;
            case 'F16': case 'BF16': {
              const f = new DataView(new ArrayBuffer(4));
              f.setFloat32(0, x);
              // bfloat16: the top half of the float32; float16 from the exact small integer.
              const half = type === 'BF16' ? f.getUint32(0) >>> 16 : x === 0 ? 0 : ((Math.floor(Math.log2(x)) + 15) << 10) | Math.round((x / 2 ** Math.floor(Math.log2(x)) - 1) * 1024);
              v.setUint16(o, half, le);
              break;
            }
            case 'I64': v.setBigInt64(o, BigInt(x), le); break;
            case 'I32': v.setInt32(o, x, le); break;
            case 'I16': v.setInt16(o, x, le); break;
            case 'I8': case 'U8': v.setUint8(o, x); break;
            case 'BOOL': v.setUint8(o, x % 2); break;
          }
        }
        const got = Array.from(decodeElements(bytes, type, FILE_DTYPES[type].dtype, { shape, strides, offset }, le, fail));
        expect(got).toEqual(idx.map((i) => (type === 'BOOL' ? (i % 100) % 2 : i % 100)));
      }),
      { numRuns: 500 },
    );
  });

  it('the float32 fast path (a view) equals the general loop', () => {
    fc.assert(
      fc.property(fc.float32Array({ minLength: 1, maxLength: 200, noNaN: true }), (values) => {
        const aligned = new Uint8Array(values.buffer.slice(0));
        const misaligned = new Uint8Array(aligned.length + 1).subarray(1);
        misaligned.set(aligned);
        const l = { shape: [values.length], strides: [1], offset: 0 };
        const fast = decodeElements(aligned, 'F32', 'float32', l, true, fail);
        const plain = decodeElements(misaligned, 'F32', 'float32', l, true, fail);
        expect(fast.buffer).toBe(aligned.buffer); // the fast path really ran
        expect(plain.buffer).not.toBe(misaligned.buffer);
        expect(Array.from(fast)).toEqual(Array.from(plain));
      }),
      { numRuns: 200 },
    );
  });
});
