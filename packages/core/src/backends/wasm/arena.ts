import { BackendError } from '../../errors.js';
import type { Heap } from './heap.js';
import type { WasmRuntime } from './runtime.js';

const ALIGN = 64;

/** The heap had no room for a kernel's scratch: the backend runs the TypeScript kernel instead. */
export class ScratchFullError extends BackendError {}
/** Smallest chunk taken from the heap (most kernels then fit in one). */
const MIN_CHUNK = 1 << 20;

/**
 * Per-kernel scratch in wasm memory: a bump allocator reset at the start of every kernel (kernels
 * do not nest), so there is no free list and nothing to leak. Its memory is chunks taken from the
 * tensor heap, so scratch and tensors never overlap. When a kernel outgrows the chunk, another
 * chunk is added; the next reset merges them into one chunk of the combined size, so after the
 * largest kernel has run once, every kernel bumps through a single chunk. Each buffer gets a guard
 * band before and after it because the branch-free unfold kernels may read (and discard) a few
 * floats past a buffer's ends.
 */
export class Arena {
  private chunks: { addr: number; size: number }[] = [];
  private top = 0;
  private end = 0;

  constructor(private readonly rt: WasmRuntime, private readonly heap: Heap) {}

  reset(): void {
    if (this.chunks.length > 1) {
      const total = this.chunks.reduce((s, c) => s + c.size, 0);
      for (const c of this.chunks) this.heap.release(c.addr);
      this.chunks = [];
      this.addChunk(total);
    }
    this.top = this.chunks[0]?.addr ?? 0;
  }

  /** Byte address of `bytes` fresh bytes (contents undefined), with `guard` spare bytes each side. */
  alloc(bytes: number, guard = ALIGN): number {
    let p = Math.ceil((this.top + guard) / ALIGN) * ALIGN;
    if (this.chunks.length === 0 || p + bytes + guard > this.end) {
      const last = this.chunks.at(-1)?.size ?? 0;
      this.addChunk(Math.max(bytes + 2 * guard + ALIGN, 2 * last));
      p = Math.ceil((this.top + guard) / ALIGN) * ALIGN;
    }
    this.top = p + bytes + guard;
    return p;
  }

  /** Copy host floats in; returns their byte address. */
  put(values: Float32Array, guard = ALIGN): number {
    const p = this.alloc(values.length * 4, guard);
    this.rt.f32.set(values, p / 4);
    return p;
  }

  /** A zero-filled buffer. */
  zeros(floats: number, guard = ALIGN): number {
    const p = this.alloc(floats * 4, guard);
    this.rt.f32.fill(0, p / 4, p / 4 + floats);
    return p;
  }

  /** Bytes of wasm memory held as scratch. */
  get bytes(): number {
    return this.chunks.reduce((s, c) => s + c.size, 0);
  }

  private addChunk(bytes: number): void {
    const size = Math.max(bytes, MIN_CHUNK);
    const addr = this.heap.alloc(size);
    if (addr === null) {
      throw new ScratchFullError(`wasm backend: a kernel needs ${(size / 2 ** 20).toFixed(0)} MiB more scratch than the wasm heap can hold`);
    }
    this.chunks.push({ addr, size: this.heap.blockSize(addr) });
    this.top = addr;
    this.end = addr + this.heap.blockSize(addr);
  }
}

/** Split [0, n) into `parts` contiguous ranges as equal as possible (some may be empty). */
export function splitRange(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let t = 0; t < parts; t++) out.push([Math.floor((n * t) / parts), Math.floor((n * (t + 1)) / parts)]);
  return out;
}
