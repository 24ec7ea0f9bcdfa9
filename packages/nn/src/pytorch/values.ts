import type { TorchTensor, StorageRef } from './storage.js';

/**
 * The Python objects a state-dict pickle can build, as plain data: nothing here can run code.
 * Scalars map to JS (None → null, int → number, or bigint past 2^53), containers to the
 * classes below, allowlisted globals to `PyGlobal`, rebuilt tensors to `TorchTensor`.
 */
export type PyValue = null | boolean | number | bigint | string | PyBytes | PyTuple | PyList | PyDict | PyGlobal | StorageRef | TorchTensor;

export class PyBytes {
  constructor(readonly data: Uint8Array) {}
}

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

export class PyList {
  constructor(readonly items: PyValue[] = []) {}
}

/** dict or collections.OrderedDict; `attrs` holds what BUILD set (an OrderedDict's `_metadata`). */
export class PyDict {
  readonly map = new Map<PyValue, PyValue>();
  attrs: PyDict | null = null;

  constructor(readonly ordered = false) {}
}

/** An allowlisted global (`module.name`), resolved when the pickle names it. */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}

  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A short description of a value for error messages (never its whole content). */
export function describe(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return `bool ${v ? 'True' : 'False'}`;
  if (typeof v === 'number') return Number.isInteger(v) ? `int ${v}` : `float ${v}`;
  if (typeof v === 'bigint') return `int ${v}`;
  if (typeof v === 'string') return `str ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (v instanceof PyBytes) return `bytes of length ${v.data.length}`;
  if (v instanceof PyTuple) return `tuple of ${v.items.length}`;
  if (v instanceof PyList) return `list of ${v.items.length}`;
  if (v instanceof PyDict) return `${v.ordered ? 'OrderedDict' : 'dict'} of ${v.map.size} keys`;
  if (v instanceof PyGlobal) return `global ${v.qualified}`;
  return v.describe();
}

/** The children of a container (keys, values, attributes), for graph walks. */
export function children(v: PyValue): PyValue[] {
  if (v instanceof PyTuple || v instanceof PyList) return v.items;
  if (v instanceof PyDict) {
    const out: PyValue[] = [];
    for (const [k, x] of v.map) out.push(k, x);
    if (v.attrs) out.push(v.attrs);
    return out;
  }
  return [];
}

const isContainer = (v: PyValue): v is PyTuple | PyList | PyDict => v instanceof PyTuple || v instanceof PyList || v instanceof PyDict;

/**
 * Refuse an object graph with a cycle (a list or dict that contains itself, possible through
 * the pickle memo). Iterative depth-first search with three colours: linear in the graph's size
 * even when the memo shares one object many times, and no recursion for deep nesting to overflow.
 */
export function findCycle(root: PyValue): PyValue | null {
  const state = new Map<PyValue, 1 | 2>(); // 1 on the current path, 2 finished
  if (!isContainer(root)) return null;
  const stack: { node: PyValue; kids: PyValue[]; next: number }[] = [{ node: root, kids: children(root), next: 0 }];
  state.set(root, 1);
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.next === top.kids.length) {
      state.set(top.node, 2);
      stack.pop();
      continue;
    }
    const kid = top.kids[top.next++];
    if (!isContainer(kid)) continue;
    const s = state.get(kid);
    if (s === 1) return kid;
    if (s === 2) continue;
    state.set(kid, 1);
    stack.push({ node: kid, kids: children(kid), next: 0 });
  }
  return null;
}
