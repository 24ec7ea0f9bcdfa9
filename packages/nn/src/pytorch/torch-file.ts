import { FILE_DTYPES } from '../elements.js';
import type { ByteBudget } from './budget.js';
import { CheckpointError } from './errors.js';
import { storageTypeOf } from './globals.js';
import { latin1, unpickle } from './pickle.js';
import { STORAGE_TYPES, StorageRef } from './storage.js';
import { PyDict, PyList, PyTuple, describe, type PyValue } from './values.js';
import { ZipArchive, looksLikeZip } from './zip.js';

/** A PyTorch file's container: the zip format (torch >= 1.6) or the legacy one. */
export type TorchFormat = 'zip' | 'legacy';

export interface TorchFile {
  format: TorchFormat;
  /** The unpickled object (a state dict, or a wrapper around one). */
  root: PyValue;
  /** Byte order of the storages' bytes. */
  littleEndian: boolean;
}

/** 0x1950a86a20f9469cfc6c: the first pickle of a legacy torch.save file. */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

/** ('storage', StorageClass, key, location, numel[, view_metadata]) -> its parts, checked. */
function storagePid(pid: PyValue, legacy: boolean, fail: (m: string) => CheckpointError) {
  const items = pid instanceof PyTuple ? pid.items : null;
  if (!items || items[0] !== 'storage') throw fail(`persistent id ${describe(pid)} is not a storage reference ('module' ids are source code and are refused)`);
  if (items.length !== (legacy ? 6 : 5)) throw fail(`storage reference has ${items.length} fields, expected ${legacy ? 6 : 5}`);
  const [, cls, key, location, numel, view] = items;
  const typeName = storageTypeOf(cls);
  if (!typeName) throw fail(`storage class ${describe(cls)} is not read (supported: float64/32/16, bfloat16, int64/32/16/8, uint8, bool storages)`);
  if (typeof key !== 'string' || typeof location !== 'string') throw fail(`storage key and location must be strings, got ${describe(key)} and ${describe(location)}`);
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) throw fail(`storage '${key}' size ${describe(numel)} is not a count`);
  return { typeName, key, numel, view: view ?? null };
}

/** The zip format (PyTorch >= 1.6): `<name>/data.pkl`, storages in `<name>/data/<key>`, optional `<name>/byteorder`. */
function readZip(bytes: Uint8Array, source: string, budget: ByteBudget, checksum?: (data: Uint8Array) => number): TorchFile {
  const zip = new ZipArchive(bytes, source, budget, checksum);
  const pickles = [...zip.members.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    throw new CheckpointError(`${source}: a torch.save archive has exactly one '<name>/data.pkl', this one has ${pickles.length} (${[...zip.members.keys()].slice(0, 5).join(', ')})`);
  }
  const prefix = pickles[0].slice(0, -'data.pkl'.length);
  if (zip.has(`${prefix}constants.pkl`)) throw new CheckpointError(`${source}: this is a TorchScript archive (torch.jit.save), which holds code; save model.state_dict() with torch.save instead`);
  let littleEndian = true;
  if (zip.has(`${prefix}byteorder`)) {
    const order = new TextDecoder().decode(zip.read(`${prefix}byteorder`));
    if (order !== 'little' && order !== 'big') throw new CheckpointError(`${source}: ${prefix}byteorder says '${order.slice(0, 20)}', expected 'little' or 'big'`);
    littleEndian = order === 'little';
  }
  const storages = new Map<string, StorageRef>();
  const what = pickles[0];
  const fail = (m: string) => new CheckpointError(`${source}: ${what}: ${m}`);
  const { value } = unpickle(zip.read(what), 0, {
    source,
    what,
    persistentLoad(pid) {
      const { typeName, key, numel } = storagePid(pid, false, fail);
      const member = `${prefix}data/${key}`;
      const record = zip.members.get(member);
      if (!record) throw fail(`storage '${key}' has no member '${member}'`);
      const nbytes = numel * FILE_DTYPES[STORAGE_TYPES[typeName].type].bytes;
      if (record.size !== nbytes) throw fail(`storage '${key}' should hold ${numel} ${STORAGE_TYPES[typeName].dtype} elements (${nbytes} bytes) but '${member}' has ${record.size} bytes`);
      // One StorageRef per key and type: a storage viewed as two dtypes (PyTorch 2) gets two.
      const id = `${key}\u0000${typeName}`;
      let s = storages.get(id);
      if (!s) storages.set(id, (s = new StorageRef(source, key, typeName, numel, littleEndian, () => zip.read(member))));
      else if (s.numel !== numel) throw fail(`storage '${key}' is declared with ${s.numel} and with ${numel} elements`);
      return s;
    },
  });
  return { format: 'zip', root: value, littleEndian };
}

/**
 * The legacy format (`_use_new_zipfile_serialization=False`): pickles for the magic number,
 * the protocol version and system info, then the object, then the list of storage keys, then
 * each storage as an int64 element count and its bytes. PyTorch writes those records in
 * little-endian order whatever the machine (and its sys_info flag records the writer's own
 * order), so they are read as little-endian, as PyTorch reads them.
 */
function readLegacy(bytes: Uint8Array, source: string): TorchFile {
  let at = 0;
  const next = (what: string, persistentLoad?: (pid: PyValue) => PyValue) => {
    const r = unpickle(bytes, at, { source, what, persistentLoad });
    at = r.end;
    return r.value;
  };
  const magic = next('legacy magic number');
  if (magic !== LEGACY_MAGIC) throw new CheckpointError(`${source}: not a torch.save file (first pickle is ${describe(magic)}, not the magic number)`);
  const protocol = next('legacy protocol version');
  if (protocol !== LEGACY_PROTOCOL) throw new CheckpointError(`${source}: legacy protocol version ${describe(protocol)} is not read (expected ${LEGACY_PROTOCOL})`);
  const sysInfo = next('legacy system info');
  if (!(sysInfo instanceof PyDict)) throw new CheckpointError(`${source}: legacy system info is ${describe(sysInfo)}, not a dict`);
  const roots = new Map<string, StorageRef>();
  const fail = (m: string) => new CheckpointError(`${source}: legacy object pickle: ${m}`);
  const records = new Map<string, Uint8Array>();
  const root = next('legacy object pickle', (pid) => {
    const { typeName, key, numel, view } = storagePid(pid, true, fail);
    let s = roots.get(key);
    if (!s) roots.set(key, (s = new StorageRef(source, key, typeName, numel, true, () => records.get(key)!)));
    else if (s.typeName !== typeName || s.numel !== numel) throw fail(`storage '${key}' is declared twice, differently`);
    if (view === null) return s;
    return legacyView(view, s, fail, () => records.get(key)!);
  });
  const keys = next('legacy storage key list');
  if (!(keys instanceof PyList) || !keys.items.every((k) => typeof k === 'string')) throw new CheckpointError(`${source}: legacy storage key list is ${describe(keys)}, not a list of strings`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const key of keys.items as string[]) {
    const s = roots.get(key);
    if (!s) throw new CheckpointError(`${source}: legacy storage record '${key}' belongs to no tensor`);
    if (records.has(key)) throw new CheckpointError(`${source}: legacy storage record '${key}' appears twice`);
    if (at + 8 > bytes.length) throw new CheckpointError(`${source}: legacy storage record '${key}' is truncated (file ends at ${bytes.length} bytes)`);
    const count = view.getUint32(at + 4, true) * 2 ** 32 + view.getUint32(at, true);
    if (count !== s.numel) throw new CheckpointError(`${source}: legacy storage record '${key}' holds ${count} elements but the pickle declares ${s.numel}`);
    const start = at + 8;
    if (start + s.nbytes > bytes.length) throw new CheckpointError(`${source}: legacy storage record '${key}' (${s.nbytes} bytes at ${start}) runs past the end of the file (${bytes.length} bytes)`);
    records.set(key, bytes.subarray(start, start + s.nbytes));
    at = start + s.nbytes;
  }
  for (const key of roots.keys()) if (!records.has(key)) throw new CheckpointError(`${source}: storage '${key}' has no record in the file`);
  if (at !== bytes.length) throw new CheckpointError(`${source}: ${bytes.length - at} unexpected bytes after the last legacy storage record`);
  return { format: 'legacy', root, littleEndian: true };
}

/** Old (PyTorch < 1.0) storage views: (view_key, offset, size) into a root storage, in elements. */
function legacyView(view: PyValue, root: StorageRef, fail: (m: string) => CheckpointError, rootBytes: () => Uint8Array): StorageRef {
  const items = view instanceof PyTuple ? view.items : [];
  const [key, offset, size] = items;
  if (items.length !== 3 || typeof key !== 'string' || typeof offset !== 'number' || typeof size !== 'number' || offset < 0 || size < 0 || offset + size > root.numel) {
    throw fail(`storage view ${describe(view)} does not fit storage '${root.key}' (${root.numel} elements)`);
  }
  const width = FILE_DTYPES[root.type].bytes;
  return new StorageRef(root.source, key, root.typeName, size, true, () => rootBytes().subarray(offset * width, (offset + size) * width));
}

/**
 * Read the container (zip or legacy) and unpickle the object it holds; storages stay unread.
 * `checksum` replaces the built-in CRC-32 (the Node entry passes zlib's, several times faster).
 */
export function readTorchFile(bytes: Uint8Array, source: string, budget: ByteBudget, checksum?: (data: Uint8Array) => number): TorchFile {
  if (looksLikeZip(bytes)) return readZip(bytes, source, budget, checksum);
  if (bytes.length > 0 && bytes[0] === 0x80) return readLegacy(bytes, source);
  if (bytes.length >= 262 && latin1(bytes.subarray(257, 262)) === 'ustar') {
    throw new CheckpointError(`${source}: tar-based torch.save files (PyTorch before 0.1.10) are not read`);
  }
  throw new CheckpointError(`${source}: not a torch.save file (${bytes.length} bytes; neither a zip archive nor a pickle)`);
}
