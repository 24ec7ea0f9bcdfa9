/**
 * Writers for the exact on-disk formats the readers accept, so tests make their own small files:
 * IDX (optionally gzipped), CIFAR-10 binary batches and MATLAB level-5 MAT-files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'kwta-datasets-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeFile(dir: string, name: string, bytes: Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** IDX bytes: 0, 0, type, rank, big-endian uint32 dims, then the elements. */
export function idxBytes(dims: readonly number[], data: ArrayLike<number>, type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(Array.from(data), 4 + 4 * dims.length);
  return out;
}

export function gzip(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(bytes));
}

/** Pixel bytes for n images of the given size, a simple deterministic pattern. */
export function patternBytes(count: number, seed = 1): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = (i * 37 + seed * 101 + ((i * i) >> 3)) & 0xff;
  return out;
}

/** A CIFAR-10 batch: per record, the label byte then 3072 pixel bytes (R, G, B planes). */
export function cifarBytes(labels: readonly number[], pixels: Uint8Array): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((label, r) => {
    out[r * 3073] = label;
    out.set(pixels.subarray(r * 3072, (r + 1) * 3072), r * 3073 + 1);
  });
  return out;
}

// ---- MAT v5 ----

export const MI = { INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9, MATRIX: 14, COMPRESSED: 15, UTF16: 17 };
export const MX = { CELL: 1, CHAR: 4, DOUBLE: 6, SINGLE: 7, INT8: 8, UINT8: 9, INT16: 10, UINT16: 11, INT32: 12, UINT32: 13 };
const MI_BYTES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 17: 2 };

export interface MatVariable {
  name: string;
  classCode: number;
  dims: number[];
  /** Values column-major, written in `storage` (default miDOUBLE). */
  values: ArrayLike<number>;
  storage?: number;
  complex?: boolean;
}

export interface MatWriteOptions {
  compress?: boolean;
  bigEndian?: boolean;
  headerText?: string;
}

class ByteSink {
  private chunks: Uint8Array[] = [];
  constructor(readonly little: boolean) {}
  bytes(b: Uint8Array): void {
    this.chunks.push(b);
  }
  u32(...values: number[]): void {
    const b = new Uint8Array(4 * values.length);
    const v = new DataView(b.buffer);
    values.forEach((x, i) => v.setUint32(4 * i, x >>> 0, this.little));
    this.chunks.push(b);
  }
  typed(type: number, values: ArrayLike<number>): Uint8Array {
    const size = MI_BYTES[type];
    const b = new Uint8Array(size * values.length);
    const v = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) {
      const x = values[i];
      const at = i * size;
      if (type === MI.INT8) v.setInt8(at, x);
      else if (type === MI.UINT8) v.setUint8(at, x);
      else if (type === MI.INT16) v.setInt16(at, x, this.little);
      else if (type === MI.UINT16 || type === MI.UTF16) v.setUint16(at, x, this.little);
      else if (type === MI.INT32) v.setInt32(at, x, this.little);
      else if (type === MI.UINT32) v.setUint32(at, x, this.little);
      else if (type === MI.SINGLE) v.setFloat32(at, x, this.little);
      else v.setFloat64(at, x, this.little);
    }
    return b;
  }
  /** A data element, in the small format when its data fits in 4 bytes (as MATLAB does). */
  element(type: number, data: Uint8Array): void {
    if (data.length <= 4 && data.length > 0) {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setUint32(0, ((data.length << 16) | type) >>> 0, this.little);
      b.set(data, 4);
      this.chunks.push(b);
      return;
    }
    this.u32(type, data.length);
    this.chunks.push(data);
    this.chunks.push(new Uint8Array((8 - (data.length % 8)) % 8));
  }
  concat(): Uint8Array {
    const total = this.chunks.reduce((s, c) => s + c.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** One miMATRIX element (tag included) for a variable. */
export function matMatrixElement(variable: MatVariable, little = true): Uint8Array {
  const body = new ByteSink(little);
  body.u32(MI.UINT32, 8, (variable.complex ? 0x0800 : 0) | variable.classCode, 0);
  body.u32(MI.INT32, 4 * variable.dims.length);
  body.bytes(body.typed(MI.INT32, variable.dims));
  if (variable.dims.length % 2 === 1) body.bytes(new Uint8Array(4));
  body.element(MI.INT8, new TextEncoder().encode(variable.name));
  const storage = variable.storage ?? MI.DOUBLE;
  body.element(storage, body.typed(storage, variable.values));
  if (variable.complex) body.element(storage, body.typed(storage, variable.values));
  const content = body.concat();
  const out = new ByteSink(little);
  out.u32(MI.MATRIX, content.length);
  out.bytes(content);
  return out.concat();
}

/** A whole MAT v5 file: 128-byte header, then each variable (zlib-compressed by default, like MATLAB 7+). */
export function matBytes(variables: MatVariable[], options: MatWriteOptions = {}): Uint8Array {
  const little = !options.bigEndian;
  const sink = new ByteSink(little);
  const header = new Uint8Array(128).fill(0x20);
  header.set(new TextEncoder().encode(options.headerText ?? 'MATLAB 5.0 MAT-file, Platform: GLNXA64, written by the kwta test helpers'));
  header.fill(0, 116, 124); // subsystem data offset: none
  new DataView(header.buffer).setUint16(124, 0x0100, little);
  header.set(little ? [0x49, 0x4d] : [0x4d, 0x49], 126); // 'IM' read back little-endian gives 'MI'
  sink.bytes(header);
  for (const v of variables) {
    const element = matMatrixElement(v, little);
    if (options.compress ?? true) {
      const packed = new Uint8Array(deflateSync(element));
      sink.u32(MI.COMPRESSED, packed.length);
      sink.bytes(packed); // compressed elements are not padded
    } else {
      sink.bytes(element);
    }
  }
  return sink.concat();
}

/**
 * SVHN-style X (uint8, dims [32, 32, 3, n], column-major) and y (double, [n, 1], 10 for digit 0)
 * from row-major N, C, H, W pixel bytes and digit labels.
 */
export function svhnVariables(pixelsNCHW: Uint8Array, digits: readonly number[], yStorage = MI.UINT8): MatVariable[] {
  const n = digits.length;
  const x = new Uint8Array(n * 3072);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < 3; c++)
      for (let h = 0; h < 32; h++)
        for (let w = 0; w < 32; w++) x[h + 32 * w + 1024 * c + 3072 * i] = pixelsNCHW[((i * 3 + c) * 32 + h) * 32 + w];
  return [
    { name: 'X', classCode: MX.UINT8, dims: [32, 32, 3, n], values: x, storage: MI.UINT8 },
    { name: 'y', classCode: MX.DOUBLE, dims: [n, 1], values: digits.map((d) => (d === 0 ? 10 : d)), storage: yStorage },
  ];
}
