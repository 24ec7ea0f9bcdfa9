import type { DType, Tensor } from '@kwta/core';
import type { StateDict } from '../module.js';
import { ByteBudget, type CheckpointLimits } from './budget.js';
import { CheckpointError } from './errors.js';
import { TorchTensor } from './storage.js';
import { readTorchFile, type TorchFormat } from './torch-file.js';
import { PyDict, describe, type PyValue } from './values.js';

/**
 * Options of reading a PyTorch checkpoint's state dict: the name for errors, size limits, where the state
 * dict sits.
 */
export interface ReadCheckpointOptions {
  /** Name used in errors (default 'checkpoint'); the Node entry passes the path. */
  source?: string;
  limits?: CheckpointLimits;
  /**
   * Where the state dict sits inside a wrapper dict: a key, or a path of keys. Default: the
   * root when it is a state dict, else the first of WRAPPER_KEYS that holds one.
   */
  key?: string | readonly string[];
  /** Prefix removed when every name has it (default 'module.', from DataParallel); false keeps names. */
  stripPrefix?: string | false;
  /**
   * Rename entries after the prefix is removed: `{ 'fc.': 'linear.' }` rewrites names that start
   * with a key (the longest matching key wins), or a function returning the new name, or
   * undefined to drop the entry.
   */
  rename?: Readonly<Record<string, string>> | ((name: string) => string | undefined);
  /**
   * The CRC-32 used to verify zip members (default: a TypeScript one that runs anywhere; the
   * Node entry passes zlib's native `crc32`, checked against it in the tests).
   */
  crc32?: (data: Uint8Array) => number;
}

/** Keys under which training scripts commonly store the model's state dict, tried in order. */
export const WRAPPER_KEYS = ['state_dict', 'model_state_dict', 'model', 'net'] as const;

const isOptimizerState = (v: PyValue) => v instanceof PyDict && v.map.has('state') && v.map.has('param_groups');

function isStateDict(v: PyValue): v is PyDict {
  if (!(v instanceof PyDict) || v.map.size === 0) return false;
  for (const [k, x] of v.map) if (typeof k !== 'string' || !(x instanceof TorchTensor)) return false;
  return true;
}

/**
 * A read `torch.save` file: the state dict's tensors by (cleaned, renamed) name, still as
 * views into the file's bytes; `tensor()` decodes one, charging the byte budget first.
 */
export class TorchCheckpoint {
  constructor(
    readonly source: string,
    readonly format: TorchFormat,
    readonly entries: ReadonlyMap<string, TorchTensor>,
    /** What the reader did beyond reading: wrapper used, prefix removed, entries ignored or dropped. */
    readonly notes: readonly string[],
    private readonly budget: ByteBudget,
  ) {}

  /** Decode one entry into an engine tensor (default dtype: the entry's natural one). */
  tensor(name: string, dtype?: DType): Tensor {
    const t = this.entries.get(name);
    if (!t) throw new CheckpointError(`${this.source}: no tensor '${name}' in the state dict`);
    return t.materialize(name, this.budget, dtype);
  }

  /** Every entry decoded, in file order. */
  stateDict(): StateDict {
    const out: StateDict = new Map();
    try {
      for (const name of this.entries.keys()) out.set(name, this.tensor(name));
    } catch (e) {
      for (const t of out.values()) t.dispose();
      throw e;
    }
    return out;
  }

  /** Bytes decoded or inflated so far (bounded by limits.maxBytes). */
  get allocatedBytes(): number {
    return this.budget.allocated;
  }
}

/** Find the state dict: the root, a named key path, or a known wrapper key; note what is ignored. */
function locate(root: PyValue, source: string, key: ReadCheckpointOptions['key'], notes: string[]): PyDict {
  if (key !== undefined) {
    let v = root;
    for (const k of typeof key === 'string' ? [key] : key) {
      if (!(v instanceof PyDict) || !v.map.has(k)) throw new CheckpointError(`${source}: key path '${[key].flat().join('.')}' not found (at '${k}': ${describe(v)})`);
      v = v.map.get(k)!;
    }
    if (!isStateDict(v)) throw new CheckpointError(`${source}: '${[key].flat().join('.')}' is ${describe(v)}, not a state dict (a dict of name -> tensor)`);
    return v;
  }
  if (isStateDict(root)) return root;
  if (!(root instanceof PyDict)) throw new CheckpointError(`${source}: the file holds ${describe(root)}, not a state dict (a dict of name -> tensor)`);
  const wrapper = WRAPPER_KEYS.find((k) => isStateDict(root.map.get(k) ?? null));
  if (!wrapper) {
    const keys = [...root.map].slice(0, 12).map(([k, v]) => `${typeof k === 'string' ? k : describe(k)}: ${describe(v)}`);
    throw new CheckpointError(`${source}: found no state dict: the root is a dict (${keys.join('; ')}) with no tensor-only entry under ${WRAPPER_KEYS.join(', ')}; name it with the key option`);
  }
  notes.push(`state dict read from the wrapper key '${wrapper}'`);
  const others = [...root.map].filter(([k]) => k !== wrapper);
  const optimizer = others.filter(([, v]) => isOptimizerState(v)).map(([k]) => String(k));
  if (optimizer.length) notes.push(`optimizer state ignored (${optimizer.join(', ')}): evaluation needs only the weights`);
  const rest = others.filter(([, v]) => !isOptimizerState(v)).map(([k, v]) => `${String(k)} (${describe(v)})`);
  if (rest.length) notes.push(`other entries ignored: ${rest.join(', ')}`);
  return root.map.get(wrapper) as PyDict;
}

function renamer(rename: ReadCheckpointOptions['rename']): (name: string) => string | undefined {
  if (!rename) return (n) => n;
  if (typeof rename === 'function') return rename;
  const rules = Object.entries(rename).sort((a, b) => b[0].length - a[0].length);
  return (n) => {
    const rule = rules.find(([from]) => n.startsWith(from));
    return rule ? rule[1] + n.slice(rule[0].length) : n;
  };
}

/**
 * Read a `torch.save` file from memory (zip or legacy format) without executing anything:
 * the container and pickle are checked, the state dict is found, names are cleaned and renamed.
 * No tensor is decoded yet; the returned checkpoint decodes on request, within the byte budget.
 */
export function readTorchCheckpoint(bytes: Uint8Array, opts: ReadCheckpointOptions = {}): TorchCheckpoint {
  const source = opts.source ?? 'checkpoint';
  const budget = ByteBudget.forFile(source, bytes.length, opts.limits);
  const file = readTorchFile(bytes, source, budget, opts.crc32);
  const notes: string[] = [];
  const dict = locate(file.root, source, opts.key, notes);
  let names = [...dict.map.keys()] as string[];
  const prefix = opts.stripPrefix ?? 'module.';
  if (prefix && names.every((n) => n.startsWith(prefix))) {
    names = names.map((n) => n.slice(prefix.length));
    notes.push(`removed the prefix '${prefix}' from all ${names.length} names`);
  }
  const rename = renamer(opts.rename);
  const entries = new Map<string, TorchTensor>();
  const dropped: string[] = [];
  [...dict.map.values()].forEach((t, i) => {
    const name = rename(names[i]);
    if (name === undefined) return void dropped.push(names[i]);
    if (entries.has(name)) throw new CheckpointError(`${source}: two entries are named '${name}' after renaming`);
    entries.set(name, t as TorchTensor);
  });
  if (dropped.length) notes.push(`rename dropped ${dropped.length} entries: ${dropped.slice(0, 8).join(', ')}${dropped.length > 8 ? ', ...' : ''}`);
  return new TorchCheckpoint(source, file.format, entries, notes, budget);
}
