import { ValueError, stridesOf, tensor, type DType, type Tensor, type TypedArray } from '@kwta/core';
import { decodeElements } from '../elements.js';
import { checkFiniteValues, type FiniteOptions } from '../finite.js';
import { planAgainstModel } from '../load-plan.js';
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

/**
 * Decode one entry's bytes (`data` is the data section) into a typed array of `target`. Integer
 * values that do not fit int32 (from I64) are refused rather than wrapped.
 */
export function decodeEntry(source: string, data: Uint8Array, e: HeaderEntry, target: DType): TypedArray {
  const layout = { shape: e.shape, strides: stridesOf(e.shape), offset: 0 };
  return decodeElements(data.subarray(e.begin, e.end), e.fileDType, target, layout, true, (m) => new SafetensorsError(`${source}: tensor '${e.name}' ${m}`));
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
 * Check a validated header against a model's state dict (keys when strict, shapes, dtype
 * kinds) before any tensor is allocated. Returns the dtype each used entry decodes to.
 */
export function planLoad(source: string, header: Header, model: Module, strict: boolean): Map<HeaderEntry, DType> {
  const byName = new Map(header.entries.map((e) => [e.name, e]));
  const info = new Map(header.entries.map((e) => [e.name, { shape: e.shape, dtype: FILE_DTYPES[e.fileDType].dtype, fileType: e.fileDType }]));
  const plan = planAgainstModel(source, model, info, strict, (m) => new SafetensorsError(m));
  return new Map([...plan].map(([name, dtype]) => [byName.get(name)!, dtype]));
}

/** Load a safetensors buffer into `model` (validated in full first; values copied in place). */
export function loadSafetensorsBytes(model: Module, bytes: Uint8Array, opts: { strict?: boolean; source?: string } & FiniteOptions = {}): void {
  const source = opts.source ?? 'safetensors buffer';
  const header = readHeader(bytes, source);
  applyPlan(source, model, planLoad(source, header, model, opts.strict ?? true), bytes.subarray(header.dataStart), opts.strict ?? true, opts.checkFinite ?? true);
}

export function applyPlan(source: string, model: Module, plan: Map<HeaderEntry, DType>, data: Uint8Array, strict: boolean, checkFinite: boolean): void {
  const dict: StateDict = new Map();
  try {
    for (const [e, dtype] of plan) {
      const values = decodeEntry(source, data, e, dtype);
      if (checkFinite) checkFiniteValues(source, e.name, values, e.shape, (m) => new SafetensorsError(m));
      dict.set(e.name, tensor(values, e.shape, dtype));
    }
    model.loadStateDict(dict, { strict });
  } finally {
    for (const t of dict.values()) t.dispose();
  }
}
