import { DTypeError, KwtaError, type DType } from '@kwta/core';
import { FILE_DTYPES, type FileDType } from '../elements.js';

/** A file (or byte buffer) that is not a valid safetensors file, or does not fit the model. */
export class SafetensorsError extends KwtaError {}

// The safetensors dtypes we read are the shared element types (F64 ... BOOL) of ../elements.ts.
export { FILE_DTYPES, type FileDType };

/** What we write for each core dtype. */
export const WRITE_DTYPE: Record<DType, FileDType> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };

/** The safetensors reference implementation refuses headers above 100 MB; so do we. */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor of a safetensors header: name, file dtype, shape and byte range. */
export interface HeaderEntry {
  name: string;
  fileDType: FileDType;
  shape: number[];
  /** Byte range inside the data section (after the 8 + headerLength bytes). */
  begin: number;
  end: number;
}

/** A safetensors file's parsed header: its length, where the data starts, its tensors and metadata. */
export interface Header {
  headerLength: number;
  /** Offset of the data section in the file: 8 + headerLength. */
  dataStart: number;
  entries: HeaderEntry[];
  metadata: Record<string, string>;
}

/**
 * Read the 8-byte little-endian header length and check it against the file size, before any
 * buffer of that length is allocated.
 */
export function checkHeaderLength(source: string, prefix: Uint8Array, fileSize: number): number {
  if (fileSize < 8 || prefix.length < 8) throw new SafetensorsError(`${source}: ${fileSize} bytes is too short for a safetensors file (needs an 8-byte header length)`);
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (n > MAX_HEADER_BYTES) throw new SafetensorsError(`${source}: header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (8 + n > fileSize) throw new SafetensorsError(`${source}: header length ${n} runs past the end of the file (${fileSize} bytes)`);
  if (n < 2) throw new SafetensorsError(`${source}: header length ${n} is too small for a JSON object`);
  return n;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Parse and validate the JSON header: every entry's dtype, shape and offsets; offsets must tile
 * the data section exactly (contiguous, in bounds, no overlap, no gap), as the reference
 * implementation requires. `dataLength` is fileSize - 8 - headerLength.
 */
export function parseHeader(source: string, headerBytes: Uint8Array, dataLength: number): Header {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw new SafetensorsError(`${source}: header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new SafetensorsError(`${source}: header must be a JSON object`);
  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new SafetensorsError(`${source}: __metadata__ must be an object of strings`);
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') throw new SafetensorsError(`${source}: __metadata__ value for '${k}' must be a string`);
        metadata[k] = v;
      }
      continue;
    }
    const where = `${source}: tensor '${name}'`;
    if (raw === null || typeof raw !== 'object') throw new SafetensorsError(`${where}: entry must be an object with dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in FILE_DTYPES)) {
      throw new DTypeError(`${where}: dtype ${JSON.stringify(dtype)} is not supported (supported: ${Object.keys(FILE_DTYPES).join(', ')})`);
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) throw new SafetensorsError(`${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
      throw new SafetensorsError(`${where}: data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`);
    }
    const fileDType = dtype as FileDType;
    const expected = shape.reduce((a: number, b: number) => a * b, 1) * FILE_DTYPES[fileDType].bytes;
    const [begin, end] = offsets as [number, number];
    if (end - begin !== expected) {
      throw new SafetensorsError(`${where}: data_offsets [${begin}, ${end}] span ${end - begin} bytes but ${dtype} [${shape.join(', ')}] needs ${expected}`);
    }
    if (end > dataLength) throw new SafetensorsError(`${where}: data_offsets [${begin}, ${end}] run past the data section (${dataLength} bytes)`);
    entries.push({ name, fileDType, shape: shape as number[], begin, end });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev = '(start of data)';
  for (const e of sorted) {
    if (e.begin < at) throw new SafetensorsError(`${source}: tensor '${e.name}' data_offsets [${e.begin}, ${e.end}] overlap '${prev}' (which ends at ${at})`);
    if (e.begin > at) throw new SafetensorsError(`${source}: gap of ${e.begin - at} bytes before tensor '${e.name}' (after '${prev}'): offsets must be contiguous`);
    at = e.end;
    prev = e.name;
  }
  if (at !== dataLength) throw new SafetensorsError(`${source}: tensors cover ${at} bytes but the data section has ${dataLength} (trailing bytes or truncated header)`);
  return { headerLength: headerBytes.length, dataStart: 8 + headerBytes.length, entries, metadata };
}
