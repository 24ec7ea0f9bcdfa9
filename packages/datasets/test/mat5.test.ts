import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DataFormatError, parseMat5 as parseBytes, type Mat5Options } from '../src/index.js';
import { inflateBounded, readMat5 } from '../src/node.js';
import { MI, MX, matBytes, type MatVariable } from './helpers/writers.js';

/** The parser with Node's zlib for compressed elements, as readMat5 calls it. */
const parseMat5 = (bytes: Uint8Array, file: string, options: Mat5Options = {}) => parseBytes(bytes, file, { inflate: inflateBounded, ...options });

const variables: MatVariable[] = [
  { name: 'd', classCode: MX.DOUBLE, dims: [2, 3], values: [1.5, -2, 3, 4e10, 5, 6] },
  { name: 'dAsBytes', classCode: MX.DOUBLE, dims: [1, 3], values: [1, 10, 255], storage: MI.UINT8 },
  { name: 'u8', classCode: MX.UINT8, dims: [3, 1], values: [0, 128, 255], storage: MI.UINT8 },
  { name: 'i16', classCode: MX.INT16, dims: [1, 3], values: [-5, 0, 300], storage: MI.INT16 },
  { name: 'u16small', classCode: MX.UINT16, dims: [1, 2], values: [7, 9], storage: MI.UINT8 },
  { name: 's', classCode: MX.SINGLE, dims: [1, 1], values: [0.25], storage: MI.SINGLE },
  { name: 'i32', classCode: MX.INT32, dims: [2, 2, 2], values: [1, -2, 3, -4, 5, -6, 7, -8], storage: MI.INT32 },
  // Not numeric: skipped unless asked for by name.
  { name: 'text', classCode: MX.CHAR, dims: [1, 2], values: [104, 105], storage: MI.UTF16 },
];

describe('MAT v5 reader', () => {
  for (const compress of [true, false]) {
    for (const bigEndian of [false, true]) {
      it(`reads numeric arrays (${compress ? 'compressed' : 'uncompressed'}, ${bigEndian ? 'big' : 'little'}-endian)`, () => {
        const vars = parseMat5(matBytes(variables, { compress, bigEndian }), 'mem.mat');
        expect([...vars.keys()]).toEqual(['d', 'dAsBytes', 'u8', 'i16', 'u16small', 's', 'i32']);
        expect(vars.get('d')).toMatchObject({ className: 'double', dims: [2, 3] });
        expect(Array.from(vars.get('d')!.data)).toEqual([1.5, -2, 3, 4e10, 5, 6]);
        expect(vars.get('dAsBytes')!.data).toBeInstanceOf(Float64Array);
        expect(Array.from(vars.get('dAsBytes')!.data)).toEqual([1, 10, 255]);
        expect(vars.get('u8')!.data).toBeInstanceOf(Uint8Array);
        expect(Array.from(vars.get('i16')!.data)).toEqual([-5, 0, 300]);
        expect(vars.get('u16small')!.data).toBeInstanceOf(Uint16Array);
        expect(Array.from(vars.get('s')!.data)).toEqual([0.25]);
        expect(vars.get('i32')!.dims).toEqual([2, 2, 2]);
        expect(Array.from(vars.get('i32')!.data)).toEqual([1, -2, 3, -4, 5, -6, 7, -8]);
      });
    }
  }

  it('without an inflate function, reads uncompressed files and refuses compressed elements by name (no zlib in a browser)', () => {
    expect([...parseBytes(matBytes(variables, { compress: false }), 'mem.mat').keys()]).toContain('i32');
    expect(() => parseBytes(matBytes(variables), 'c.mat')).toThrow(DataFormatError);
    expect(() => parseBytes(matBytes(variables), 'c.mat')).toThrow(/^c\.mat: .*zlib-compressed \(miCOMPRESSED\): pass options\.inflate/);
  });

  it('decodes only the variables asked for', () => {
    const vars = parseMat5(matBytes(variables), 'mem.mat', { variables: ['u8', 'missing'] });
    expect([...vars.keys()]).toEqual(['u8']);
  });

  it('reads a file written by SciPy (an independent writer)', () => {
    const file = fileURLToPath(new URL('./fixtures/scipy-svhn-tiny.mat', import.meta.url));
    const vars = readMat5(file, '');
    const x = vars.get('X')!;
    expect(x).toMatchObject({ className: 'uint8', dims: [32, 32, 3, 2] });
    // X[h, w, c, i] = (7h + 3w + 50c + 11i) % 256, column-major.
    const at = (h: number, w: number, c: number, i: number): number => x.data[h + 32 * w + 1024 * c + 3072 * i];
    for (const [h, w, c, i] of [[0, 0, 0, 0], [5, 9, 2, 1], [31, 31, 1, 0], [17, 3, 0, 1]]) {
      expect(at(h, w, c, i)).toBe((h * 7 + w * 3 + c * 50 + i * 11) % 256);
    }
    expect(Array.from(vars.get('y')!.data)).toEqual([10, 3]);
  });

  const refusals: [string, () => Uint8Array, RegExp][] = [
    ['a short file', () => new Uint8Array(100), /shorter than the 128-byte header/],
    ['a MATLAB 7.3 (HDF5) file', () => matBytes([], { headerText: 'MATLAB 7.3 MAT-file, Platform: GLNXA64' }), /7\.3 \(HDF5\)/],
    ['a bad endian indicator', () => Object.assign(matBytes([]), { 126: 0x41 }), /endian indicator/],
    ['a wrong version', () => Object.assign(matBytes([]), { 125: 0x02 }), /version 0x200, expected 0x0100/],
    [
      'a count that disagrees with the dims',
      () => matBytes([{ name: 'z', classCode: MX.DOUBLE, dims: [2, 2], values: [1, 2, 3] }]),
      /'z' needs 4 values \(32 bytes of miDOUBLE\), element holds 24 bytes/,
    ],
    ['a complex array', () => matBytes([{ name: 'z', classCode: MX.DOUBLE, dims: [1, 1], values: [1], complex: true }]), /complex/],
    [
      'a value that does not fit its class',
      () => matBytes([{ name: 'z', classCode: MX.UINT8, dims: [1, 1], values: [-3], storage: MI.INT16 }]),
      /value -3 .* does not fit its class uint8/,
    ],
    ['a truncated element', () => matBytes(variables, { compress: false }).subarray(0, 250), /claims \d+ bytes, only \d+ remain/],
    ['a corrupt compressed stream', () => Object.assign(matBytes(variables), { 140: 0xff, 141: 0xff }), /corrupt or oversized zlib data/],
  ];
  for (const [what, make, message] of refusals) {
    it(`refuses ${what} with a DataFormatError naming the file`, () => {
      const bytes = make();
      expect(() => parseMat5(bytes, 'f.mat')).toThrow(DataFormatError);
      expect(() => parseMat5(bytes, 'f.mat')).toThrow(/^f\.mat: /);
      expect(() => parseMat5(bytes, 'f.mat')).toThrow(message);
    });
  }

  it('refuses a non-numeric variable asked for by name', () => {
    expect(() => parseMat5(matBytes(variables), 'f.mat', { variables: ['text'] })).toThrow(/'text' is a char array/);
  });

  it('bounds what a compressed element may inflate to', () => {
    const big = matBytes([{ name: 'z', classCode: MX.UINT8, dims: [1, 100000], values: new Uint8Array(100000), storage: MI.UINT8 }]);
    expect(big.length).toBeLessThan(1000);
    expect(() => parseMat5(big, 'f.mat', { maxBytes: 10000 })).toThrow(/corrupt or oversized zlib data/);
  });
});

describe('MAT v5 reader, long names', () => {
  it('decodes names of any length without blowing the stack, and refuses one cut short', () => {
    const name = 'n'.repeat(200000); // far past MATLAB's 63, so spreading it into a call would throw RangeError
    const bytes = matBytes([{ name, classCode: MX.DOUBLE, dims: [1, 1], values: [2] }], { compress: false });
    expect(parseMat5(bytes, 'f.mat').get(name)!.data[0]).toBe(2);
    expect(() => parseMat5(bytes.subarray(0, bytes.length - 16), 'f.mat')).toThrow(DataFormatError);
  });
});
