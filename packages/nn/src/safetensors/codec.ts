import { DTypeError, ShapeError, ValueError, fmtShape, isFloat, makeArray, tensor, type DType, type Tensor, type TypedArray } from '@kwta/core';
import type { Module, StateDict } from '../module.js';
import { FILE_DTYPES, SafetensorsError, WRITE_DTYPE, checkHeaderLength, parseHeader, type Header, type HeaderEntry } from './header.js';

/** Serialize named tensors (a state dict) to safetensors bytes, in the given order. */
export function encodeSafetensors(tensors: StateDict | Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new ValueError(`encodeSafetensors: '__metadata__' is reserved and cannot name a tensor`);
    const dtype = WRITE_DTYPE[t.dtype];
    const bytes = t.size * FILE_DTYPES[dtype].bytes;
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  view.setUint32(4, Math.floor(json.length / 2 ** 32), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const [, t] of entries) at = writeValues(view, at, t.dtype, t.dataSync());
  return out;
}

function writeValues(view: DataView, at: number, dtype: DType, values: TypedArray): number {
  for (let i = 0; i < values.length; i++) {
    switch (dtype) {
      case 'float32': view.setFloat32(at, values[i], true); at += 4; break;
      case 'float64': view.setFloat64(at, values[i], true); at += 8; break;
      case 'int32': view.setInt32(at, values[i], true); at += 4; break;
      case 'bool': view.setUint8(at, values[i] ? 1 : 0); at += 1; break;
    }
  }
  return at;
}

/** Validate a whole in-memory file's framing and header. */
export function readHeader(bytes: Uint8Array, source = 'safetensors buffer'): Header {
  const n = checkHeaderLength(source, bytes.subarray(0, 8), bytes.length);
  return parseHeader(source, bytes.subarray(8, 8 + n), bytes.length - 8 - n);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/**
 * Decode one entry's bytes (`data` is the data section) into a typed array of `target`. Integer
 * values that do not fit int32 (from I64) are refused rather than wrapped.
 */
export function decodeEntry(source: string, data: Uint8Array, e: HeaderEntry, target: DType): TypedArray {
  const { bytes } = FILE_DTYPES[e.fileDType];
  const n = (e.end - e.begin) / bytes;
  const view = new DataView(data.buffer, data.byteOffset + e.begin, e.end - e.begin);
  const out = makeArray(target, n);
  const f32 = new DataView(new ArrayBuffer(4));
  for (let i = 0; i < n; i++) {
    const o = i * bytes;
    let v: number;
    switch (e.fileDType) {
      case 'F64': v = view.getFloat64(o, true); break;
      case 'F32': v = view.getFloat32(o, true); break;
      case 'F16': v = halfToFloat(view.getUint16(o, true)); break;
      case 'BF16': f32.setUint32(0, view.getUint16(o, true) << 16); v = f32.getFloat32(0); break;
      case 'I64': {
        const lo = view.getUint32(o, true), hi = view.getInt32(o + 4, true);
        v = hi * 2 ** 32 + lo;
        if (v < -(2 ** 31) || v >= 2 ** 31) throw new SafetensorsError(`${source}: tensor '${e.name}' element ${i} = ${v} (I64) does not fit int32`);
        break;
      }
      case 'I32': v = view.getInt32(o, true); break;
      case 'I16': v = view.getInt16(o, true); break;
      case 'I8': v = view.getInt8(o); break;
      case 'U8': v = view.getUint8(o); break;
      case 'BOOL': v = view.getUint8(o) ? 1 : 0; break;
    }
    out[i] = v;
  }
  return out;
}

/** Decode every tensor of a safetensors buffer (after validating all of the header). */
export function decodeSafetensors(bytes: Uint8Array, opts: { source?: string } = {}): { tensors: StateDict; metadata: Record<string, string> } {
  const source = opts.source ?? 'safetensors buffer';
  const header = readHeader(bytes, source);
  return { tensors: decodeEntries(source, header, bytes.subarray(header.dataStart)), metadata: header.metadata };
}

/** Every entry of a validated header as a tensor of its natural core dtype, in file order. */
export function decodeEntries(source: string, header: Header, data: Uint8Array): StateDict {
  const tensors: StateDict = new Map();
  for (const e of header.entries) {
    const dtype = FILE_DTYPES[e.fileDType].dtype;
    tensors.set(e.name, tensor(decodeEntry(source, data, e, dtype), e.shape, dtype));
  }
  return tensors;
}

/**
 * Check a validated header against a model's state dict — keys (when strict), shapes and dtype
 * kinds — before any tensor is allocated. Returns the dtype each entry decodes to.
 */
export function planLoad(source: string, header: Header, model: Module, strict: boolean): Map<HeaderEntry, DType> {
  const own = model.stateDict();
  const byName = new Map(header.entries.map((e) => [e.name, e]));
  if (strict) {
    const missing = [...own.keys()].filter((k) => !byName.has(k));
    const unexpected = [...byName.keys()].filter((k) => !own.has(k));
    if (missing.length || unexpected.length) {
      throw new SafetensorsError(
        `${source}: tensors do not match ${model.constructor.name}` +
          (missing.length ? `; missing: ${missing.join(', ')}` : '') +
          (unexpected.length ? `; unexpected: ${unexpected.join(', ')}` : ''),
      );
    }
  }
  const plan = new Map<HeaderEntry, DType>();
  for (const [key, target] of own) {
    const e = byName.get(key);
    if (!e) continue;
    if (e.shape.join() !== target.shape.join()) {
      throw new ShapeError(`${source}: tensor '${key}' has shape ${fmtShape(e.shape)} in the file but ${fmtShape(target.shape)} in ${model.constructor.name}`);
    }
    const fileKind = FILE_DTYPES[e.fileDType].dtype;
    const compatible = fileKind === target.dtype || (isFloat(fileKind) && isFloat(target.dtype));
    if (!compatible) throw new DTypeError(`${source}: tensor '${key}' is ${e.fileDType} in the file but ${target.dtype} in ${model.constructor.name}`);
    plan.set(e, target.dtype);
  }
  return plan;
}

/** Load a safetensors buffer into `model` (validated in full first; values copied in place). */
export function loadSafetensorsBytes(model: Module, bytes: Uint8Array, opts: { strict?: boolean; source?: string } = {}): void {
  const source = opts.source ?? 'safetensors buffer';
  const header = readHeader(bytes, source);
  applyPlan(source, model, planLoad(source, header, model, opts.strict ?? true), bytes.subarray(header.dataStart), opts.strict ?? true);
}

export function applyPlan(source: string, model: Module, plan: Map<HeaderEntry, DType>, data: Uint8Array, strict: boolean): void {
  const dict: StateDict = new Map();
  try {
    for (const [e, dtype] of plan) dict.set(e.name, tensor(decodeEntry(source, data, e, dtype), e.shape, dtype));
    model.loadStateDict(dict, { strict });
  } finally {
    for (const t of dict.values()) t.dispose();
  }
}
