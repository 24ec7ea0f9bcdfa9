import { DataFormatError } from '../errors.js';
import type { Inflate, ReadLimits } from '../io/limits.js';

/**
 * A reader for numeric arrays in MATLAB level-5 MAT-files (what `save` writes by default, with
 * each variable zlib-compressed since MATLAB 7). Layout: a 128-byte header, then data elements,
 * each an 8-byte tag (type, byte count) and its bytes padded to 8; a tag whose upper 16 bits are
 * set is a "small" element holding up to 4 bytes inline. A variable is a miMATRIX element made of
 * sub-elements: array flags, dimensions, name, real part (stored in any numeric type, often a
 * narrower one than the array's class), and an imaginary part for complex arrays.
 * Arrays come back column-major, as MATLAB stores them, with MATLAB's dims.
 */
export type MatClass = 'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32';
/** The typed array holding a MAT-file array's values, by its class. */
export type MatNumericData = Float64Array | Float32Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** A numeric array read from a MAT-file: name, class, dimensions and column-major values. */
export interface MatArray {
  readonly name: string;
  readonly className: MatClass;
  /** MATLAB dimensions (at least 2). */
  readonly dims: readonly number[];
  /** Values in column-major order, typed by the array's class. */
  readonly data: MatNumericData;
}

/** Options of reading a MAT-file: which variables, how to inflate compressed ones, a size limit. */
export interface Mat5Options extends ReadLimits {
  /** Decode only these variables (others are skipped without decoding their data). */
  readonly variables?: readonly string[];
  /**
   * Decompresses miCOMPRESSED elements (MATLAB 7's default): in Node `inflateBounded` from
   * `@kwta/datasets/node` (which `readMat5` passes). Without it a compressed element is refused.
   */
  readonly inflate?: Inflate;
}

/** Data element types (the tag's type field). */
export const MI = {
  INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9,
  INT64: 12, UINT64: 13, MATRIX: 14, COMPRESSED: 15, UTF8: 16, UTF16: 17, UTF32: 18,
} as const;

/** Array classes (low byte of the array-flags word). */
export const MX_CLASS: Record<number, MatClass | undefined> = {
  6: 'double', 7: 'single', 8: 'int8', 9: 'uint8', 10: 'int16', 11: 'uint16', 12: 'int32', 13: 'uint32',
};
const MX_CLASS_NAMES: Record<number, string> = {
  1: 'cell', 2: 'struct', 3: 'object', 4: 'char', 5: 'sparse', 14: 'int64', 15: 'uint64', 16: 'function handle', 17: 'opaque',
};
const COMPLEX_FLAG = 0x0800;

interface StorageType {
  readonly name: string;
  readonly bytes: number;
  readonly get: (view: DataView, at: number, little: boolean) => number;
}
const STORAGE: Record<number, StorageType | undefined> = {
  [MI.INT8]: { name: 'miINT8', bytes: 1, get: (v, at) => v.getInt8(at) },
  [MI.UINT8]: { name: 'miUINT8', bytes: 1, get: (v, at) => v.getUint8(at) },
  [MI.INT16]: { name: 'miINT16', bytes: 2, get: (v, at, le) => v.getInt16(at, le) },
  [MI.UINT16]: { name: 'miUINT16', bytes: 2, get: (v, at, le) => v.getUint16(at, le) },
  [MI.INT32]: { name: 'miINT32', bytes: 4, get: (v, at, le) => v.getInt32(at, le) },
  [MI.UINT32]: { name: 'miUINT32', bytes: 4, get: (v, at, le) => v.getUint32(at, le) },
  [MI.SINGLE]: { name: 'miSINGLE', bytes: 4, get: (v, at, le) => v.getFloat32(at, le) },
  [MI.DOUBLE]: { name: 'miDOUBLE', bytes: 8, get: (v, at, le) => v.getFloat64(at, le) },
  [MI.INT64]: { name: 'miINT64', bytes: 8, get: (v, at, le) => Number(v.getBigInt64(at, le)) },
  [MI.UINT64]: { name: 'miUINT64', bytes: 8, get: (v, at, le) => Number(v.getBigUint64(at, le)) },
};

const CLASS_ARRAY: Record<MatClass, { make: (n: number) => MatNumericData; min: number; max: number }> = {
  double: { make: (n) => new Float64Array(n), min: -Infinity, max: Infinity },
  single: { make: (n) => new Float32Array(n), min: -Infinity, max: Infinity },
  int8: { make: (n) => new Int8Array(n), min: -128, max: 127 },
  uint8: { make: (n) => new Uint8Array(n), min: 0, max: 255 },
  int16: { make: (n) => new Int16Array(n), min: -32768, max: 32767 },
  uint16: { make: (n) => new Uint16Array(n), min: 0, max: 65535 },
  int32: { make: (n) => new Int32Array(n), min: -(2 ** 31), max: 2 ** 31 - 1 },
  uint32: { make: (n) => new Uint32Array(n), min: 0, max: 2 ** 32 - 1 },
};

/** Bytes of a MAT-file version 5 header. */
export const MAT5_HEADER_BYTES = 128;
// Names are ASCII; decoding bytes one to one cannot fail on a corrupt (long) name.
const LATIN1 = new TextDecoder('latin1');

/** Parses a MAT v5 file's numeric variables (cells, structs, chars and the like are skipped). */
export function parseMat5(bytes: Uint8Array, file: string, options: Mat5Options = {}): Map<string, MatArray> {
  const little = checkHeader(bytes, file);
  const wanted = options.variables ? new Set(options.variables) : null;
  const out = new Map<string, MatArray>();
  const reader = new ElementReader(bytes, file, little);
  let pos = MAT5_HEADER_BYTES;
  while (pos + 8 <= bytes.length) {
    const tag = reader.tag(pos, bytes.length, 'top-level element');
    let array: MatArray | null;
    if (tag.type === MI.COMPRESSED) {
      if (!options.inflate) {
        throw reader.error(pos, 'element is zlib-compressed (miCOMPRESSED): pass options.inflate (in Node, inflateBounded from @kwta/datasets/node)');
      }
      const inflated = options.inflate(bytes.subarray(tag.start, tag.end), file, options);
      const inner = new ElementReader(inflated, file, little);
      const innerTag = inner.tag(0, inflated.length, 'compressed element');
      if (innerTag.type !== MI.MATRIX) throw inner.error(0, `compressed element holds type ${innerTag.type}, expected miMATRIX (14)`);
      array = inner.matrix(innerTag.start, innerTag.end, wanted);
    } else if (tag.type === MI.MATRIX) {
      array = reader.matrix(tag.start, tag.end, wanted);
    } else {
      throw reader.error(pos, `top-level element of type ${tag.type}, expected miMATRIX (14) or miCOMPRESSED (15)`);
    }
    if (array) {
      if (out.has(array.name)) throw reader.error(pos, `variable '${array.name}' appears twice`);
      out.set(array.name, array);
    }
    pos = tag.next;
  }
  for (let i = pos; i < bytes.length; i++) {
    if (bytes[i] !== 0) throw reader.error(pos, `${bytes.length - pos} stray bytes after the last element (truncated element?)`);
  }
  return out;
}

/** Checks version and endian indicator; returns whether the file is little-endian. */
function checkHeader(bytes: Uint8Array, file: string): boolean {
  if (bytes.length < MAT5_HEADER_BYTES) {
    throw new DataFormatError(file, `MAT-file of ${bytes.length} bytes is shorter than the ${MAT5_HEADER_BYTES}-byte header`);
  }
  const text = LATIN1.decode(bytes.subarray(0, 19));
  if (text.startsWith('MATLAB 7.3')) {
    throw new DataFormatError(file, 'is a MATLAB 7.3 (HDF5) MAT-file; only level-5 MAT-files (save -v7 or -v6) are supported');
  }
  const e0 = bytes[126];
  const e1 = bytes[127];
  let little: boolean;
  if (e0 === 0x49 && e1 === 0x4d) little = true; // 'IM'
  else if (e0 === 0x4d && e1 === 0x49) little = false; // 'MI'
  else throw new DataFormatError(file, `not a level-5 MAT-file: endian indicator is 0x${hex(e0)}${hex(e1)}, expected 'IM' or 'MI'`);
  const version = new DataView(bytes.buffer, bytes.byteOffset + 124, 2).getUint16(0, little);
  if (version !== 0x0100) throw new DataFormatError(file, `MAT-file version 0x${version.toString(16)}, expected 0x0100 (level 5)`);
  return little;
}

interface Tag {
  readonly type: number;
  /** Data bytes [start, end). */
  readonly start: number;
  readonly end: number;
  /** Where the next element begins. */
  readonly next: number;
}

class ElementReader {
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly file: string,
    private readonly little: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  error(at: number, detail: string): DataFormatError {
    return new DataFormatError(this.file, `MAT-file element at byte ${at}: ${detail}`);
  }

  /** Reads the tag at `pos`, checking its data lies within [pos, limit). */
  tag(pos: number, limit: number, what: string): Tag {
    if (pos + 8 > limit) throw this.error(pos, `truncated ${what}: no room for an 8-byte tag`);
    const word = this.view.getUint32(pos, this.little);
    if (word >>> 16 !== 0) {
      const nbytes = word >>> 16;
      if (nbytes > 4) throw this.error(pos, `small ${what} claims ${nbytes} bytes, at most 4 fit`);
      return { type: word & 0xffff, start: pos + 4, end: pos + 4 + nbytes, next: pos + 8 };
    }
    const nbytes = this.view.getUint32(pos + 4, this.little);
    const start = pos + 8;
    if (nbytes > limit - start) throw this.error(pos, `${what} claims ${nbytes} bytes, only ${limit - start} remain (truncated or corrupt)`);
    // Compressed elements are not padded; all others are padded to 8 bytes (the last may lack it).
    const next = word === MI.COMPRESSED ? start + nbytes : Math.min(limit, start + pad8(nbytes));
    return { type: word, start, end: start + nbytes, next };
  }

  /** Decodes a miMATRIX body; null when it is empty, not numeric and not wanted, or not wanted. */
  matrix(start: number, end: number, wanted: ReadonlySet<string> | null): MatArray | null {
    if (start === end) return null; // MATLAB writes empty placeholders as empty matrices.
    const flags = this.tag(start, end, 'array flags');
    if (flags.type !== MI.UINT32 || flags.end - flags.start !== 8) {
      throw this.error(start, `array flags must be miUINT32 of 8 bytes, got type ${flags.type} of ${flags.end - flags.start} bytes`);
    }
    const flagWord = this.view.getUint32(flags.start, this.little);
    const classCode = flagWord & 0xff;

    const dimsTag = this.tag(flags.next, end, 'dimensions');
    const dimBytes = dimsTag.end - dimsTag.start;
    if (dimsTag.type !== MI.INT32 || dimBytes < 8 || dimBytes % 4 !== 0) {
      throw this.error(flags.next, `dimensions must be miINT32 with at least 2 entries, got type ${dimsTag.type} of ${dimBytes} bytes`);
    }
    const dims: number[] = [];
    let count = 1;
    for (let at = dimsTag.start; at < dimsTag.end; at += 4) {
      const d = this.view.getInt32(at, this.little);
      if (d < 0) throw this.error(flags.next, `negative dimension ${d}`);
      dims.push(d);
      count *= d;
    }

    const nameTag = this.tag(dimsTag.next, end, 'array name');
    if (nameTag.type !== MI.INT8 && nameTag.type !== MI.UTF8) throw this.error(dimsTag.next, `array name has type ${nameTag.type}, expected miINT8`);
    const name = LATIN1.decode(this.bytes.subarray(nameTag.start, nameTag.end));

    if (wanted && !wanted.has(name)) return null;
    const className = MX_CLASS[classCode];
    if (!className) {
      if (!wanted) return null; // Not a numeric array, and nobody asked for it by name.
      throw this.error(start, `variable '${name}' is a ${MX_CLASS_NAMES[classCode] ?? `class-${classCode}`} array; only numeric arrays are read`);
    }
    if (flagWord & COMPLEX_FLAG) throw this.error(start, `variable '${name}' is complex; only real arrays are read`);

    const real = this.tag(nameTag.next, end, `real part of '${name}'`);
    return { name, className, dims, data: this.numeric(real, className, count, name, nameTag.next) };
  }

  /** Converts a numeric element to the class's array, checking the count before allocating. */
  private numeric(tag: Tag, className: MatClass, count: number, name: string, at: number): MatNumericData {
    const storage = STORAGE[tag.type];
    if (!storage) throw this.error(at, `real part of '${name}' has non-numeric type ${tag.type}`);
    const nbytes = tag.end - tag.start;
    if (nbytes !== count * storage.bytes) {
      throw this.error(at, `'${name}' needs ${count} values (${count * storage.bytes} bytes of ${storage.name}), element holds ${nbytes} bytes`);
    }
    if (className === 'uint8' && tag.type === MI.UINT8) return this.bytes.subarray(tag.start, tag.end);
    const target = CLASS_ARRAY[className];
    const out = target.make(count);
    const integral = className !== 'double' && className !== 'single';
    for (let i = 0, p = tag.start; i < count; i++, p += storage.bytes) {
      const v = storage.get(this.view, p, this.little);
      if (integral && !(Number.isInteger(v) && v >= target.min && v <= target.max)) {
        throw this.error(at, `value ${v} at index ${i} of '${name}' does not fit its class ${className}`);
      }
      out[i] = v;
    }
    return out;
  }
}

function pad8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
