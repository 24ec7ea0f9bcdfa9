import { BackendError } from '../../errors.js';
import type { WasmRuntime } from './runtime.js';

const ALIGN = 64;
/** The wasm32 address space. */
export const WASM32_BYTES = 2 ** 32;
/**
 * Memory kept readable past the highest block: the branch-free unfold kernels may read (and
 * discard) a few floats past an operand's end, and an operand may be the top block.
 */
export const TAIL_GUARD = 65536;

/** From this size on, blocks get 16 classes per power of two instead of 4. */
const FINE_CLASSES_FROM = 1 << 24;

/**
 * Size class of a request: 64-byte multiples up to 256 bytes, then four classes per power of two
 * (at most 25 % slack), sixteen from 16 MiB (at most 6.25 %: the few huge blocks, parameters
 * and their gradients and optimizer state, dominate memory; the paper network's 251 MB weight
 * took a 268 MB block with four). Blocks of one class are interchangeable, so a training loop
 * that frees and reallocates the same shapes every step reuses the same blocks and the heap
 * stops growing after the first steps.
 */
export function sizeClass(bytes: number): number {
  if (bytes <= 4 * ALIGN) return Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  const step = 2 ** (Math.ceil(Math.log2(bytes)) - (bytes >= FINE_CLASSES_FROM ? 5 : 3));
  return Math.ceil(bytes / step) * step;
}

/** The wasm heap's allocator state: blocks and bytes in use, and the bytes ever reserved. */
export interface HeapStats {
  /** blocks handed out and not freed */
  liveBlocks: number;
  /** bytes in those blocks (class sizes) */
  liveBytes: number;
  /** bytes ever carved from memory (the high-water mark; memory never shrinks) */
  reservedBytes: number;
}

/**
 * A size-class allocator over the wasm memory from `base` upward, serving tensor storage and the
 * per-kernel scratch alike (so the two never collide). Freed blocks go on their class's free
 * list (LIFO: the most recently freed block is reused first, still warm in cache); a request no
 * list can serve is carved from the top, growing the memory. When growing is impossible (the
 * 4 GiB wasm32 limit, `limit` in tests, or the engine refusing) `alloc` returns null and the
 * caller falls back to host memory. Blocks never move or merge: storage is views at fixed
 * addresses.
 */
export class Heap {
  private top: number;
  private readonly free = new Map<number, number[]>();
  private readonly sizes = new Map<number, number>();
  private liveBytes = 0;

  constructor(private readonly rt: WasmRuntime, private readonly base: number, private readonly limit = WASM32_BYTES) {
    this.top = Math.ceil(base / ALIGN) * ALIGN;
  }

  /** Byte address of a block of at least `bytes` bytes (contents undefined), or null when full. */
  alloc(bytes: number): number | null {
    const size = sizeClass(Math.max(1, bytes));
    const list = this.free.get(size);
    let addr = list?.pop();
    if (addr === undefined) {
      const end = this.top + size;
      if (end + TAIL_GUARD > Math.min(this.limit, WASM32_BYTES)) return null;
      try {
        this.rt.reserve(end + TAIL_GUARD);
      } catch {
        return null; // the engine could not commit more memory: the caller uses the host
      }
      addr = this.top;
      this.top = end;
    }
    this.sizes.set(addr, size);
    this.liveBytes += size;
    return addr;
  }

  release(addr: number): void {
    const size = this.sizes.get(addr);
    if (size === undefined) throw new BackendError(`wasm heap: no live block at byte ${addr} (double free?)`);
    this.sizes.delete(addr);
    this.liveBytes -= size;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(addr);
  }

  /** Size in bytes of the live block at `addr`. */
  blockSize(addr: number): number {
    return this.sizes.get(addr) ?? 0;
  }

  stats(): HeapStats {
    return { liveBlocks: this.sizes.size, liveBytes: this.liveBytes, reservedBytes: this.top - this.base };
  }
}
