import type { Backend } from './backend.js';
import type { DType } from './dtype.js';
import { OutOfMemoryError, fmtShape } from './errors.js';

/**
 * The allocation limit: each backend's live tensor bytes may not pass its limit (by default half
 * of the machine's physical memory, `setMemoryLimit` changes it). A request that would is refused
 * before anything is allocated, with an OutOfMemoryError naming the op, the shape and the bytes,
 * and a RangeError from the JavaScript engine's own allocation becomes the same error. Without
 * it a wrong shape allocates 16 GiB for a minute, or dies deep in a kernel naming nothing.
 *
 * The engine marks where allocations come from (`atSite`: the kernel it runs, the creation op);
 * `makeArray` and the backends' own allocators check against that site's backend.
 */
export interface AllocationSite {
  /** The op or kernel allocating. */
  op: string;
  backend: Backend;
  /** The tensor's shape, where the allocator knows it (creation ops, planned kernel outputs). */
  shape?: readonly number[];
  /** A kernel's input shapes. */
  inputs?: readonly (readonly number[])[];
}

let current: AllocationSite | null = null;
const limits = new WeakMap<Backend, number>();

/** Run `fn` with allocations attributed to `site` (the engine's kernel runs and tensor creation). */
export function atSite<T>(site: AllocationSite, fn: () => T): T {
  const prev = current;
  current = site;
  try {
    return fn();
  } catch (e) {
    throw asOutOfMemory(e, site);
  } finally {
    current = prev;
  }
}

/** The site allocations are attributed to now (null outside the engine's kernels and creation). */
export function currentSite(): AllocationSite | null {
  return current;
}

/** Physical memory of this machine in bytes (the cgroup's limit if lower), or null where unknown. */
export function physicalMemory(): number | null {
  const g = globalThis as {
    navigator?: { deviceMemory?: number };
    process?: { constrainedMemory?: () => number; getBuiltinModule?: (id: string) => { totalmem?: () => number } | undefined };
  };
  const total = g.process?.getBuiltinModule?.('node:os')?.totalmem?.();
  if (total) {
    const constrained = g.process?.constrainedMemory?.() ?? 0;
    return constrained > 0 ? Math.min(total, constrained) : total;
  }
  const gib = g.navigator?.deviceMemory;
  return gib ? gib * 2 ** 30 : null;
}

/** Half of physical memory (4 GiB where it cannot be known): beyond that a tensor is almost always a wrong shape. */
export function defaultMemoryLimit(): number {
  const m = physicalMemory();
  return m === null ? 4 * 2 ** 30 : Math.floor(m / 2);
}

export function setBackendMemoryLimit(backend: Backend, bytes: number | null): void {
  if (bytes === null) limits.delete(backend);
  else limits.set(backend, bytes);
}

export function backendMemoryLimit(backend: Backend): number {
  return limits.get(backend) ?? defaultMemoryLimit();
}

/**
 * Refuse `elements` of `dtype` (`bytes` in all) when the site's backend would pass its limit.
 * Outside any site (a host array no backend asked for) nothing is checked.
 */
export function guardAllocation(dtype: DType, elements: number, bytes: number, site: AllocationSite | null = current): void {
  if (!site) return;
  const limit = backendMemoryLimit(site.backend);
  const inUse = site.backend.memory().numBytes;
  if (inUse + bytes > limit) throw outOfMemory(site, dtype, elements, bytes, `the ${site.backend.name} backend holds ${fmtBytes(inUse)} of tensors and its memory limit is ${fmtBytes(limit)} (setMemoryLimit changes it)`);
}

/** A RangeError the JavaScript engine raised while allocating, as an OutOfMemoryError; anything else unchanged. */
export function asOutOfMemory(e: unknown, site: AllocationSite | null, dtype?: DType, elements?: number, bytes?: number): unknown {
  if (!(e instanceof RangeError) || !ALLOCATION_FAILURE.test(e.message)) return e;
  return outOfMemory(site, dtype, elements, bytes, `the JavaScript engine could not allocate it (${e.message})`);
}

const ALLOCATION_FAILURE = /allocation failed|invalid typed array length|invalid array buffer length|invalid array length|array buffer|out of memory|maximum memory size|could not allocate/i;

function outOfMemory(site: AllocationSite | null, dtype: DType | undefined, elements: number | undefined, bytes: number | undefined, why: string): OutOfMemoryError {
  const op = site?.op ?? 'allocation';
  const shape = site?.shape ?? (elements !== undefined ? [elements] : null);
  const what = [
    bytes !== undefined ? `${fmtBytes(bytes)} (${bytes} bytes)` : 'memory',
    shape ? `for ${dtype ?? 'a'} ${site?.shape ? 'tensor ' : ''}${site?.shape ? fmtShape(shape) : `${elements} elements`}` : '',
    site?.inputs ? `from inputs ${site.inputs.map((s) => fmtShape(s)).join(', ')}` : '',
  ].filter(Boolean).join(' ');
  return new OutOfMemoryError(`${op}: refusing to allocate ${what}: ${why}`, { op, shape: shape ?? [], dtype: dtype ?? null, bytes: bytes ?? null });
}

/** `n` bytes in binary units for messages (e.g. '1.5 GiB'). */
export function fmtBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${u === 0 ? n : n.toFixed(1)} ${units[u]}`;
}
