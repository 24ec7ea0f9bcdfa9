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
  /** bytes below the current top on the free lists (reusable without growing) */
  freeBytes: number;
}

/**
 * A coalescing allocator over the wasm memory from `base` upward, serving tensor storage and the
 * per-kernel scratch alike (so the two never collide). Requests are rounded to size classes;
 * a freed block merges with free neighbours (a free run reaching the top lowers the top), and
 * goes on its size's free list. A request takes, in order: a free block of exactly its class (a
 * training loop freeing and reallocating the same shapes reuses the same blocks), the smallest
 * larger free block (split, the rest stays free), or fresh memory carved from the top, growing
 * the memory. Without the merging and splitting, every batch size would keep its own blocks: an
 * attack whose active set shrinks row by row left the heap 4.5x its live bytes (issue 20). When growing is impossible
 * (the 4 GiB wasm32 limit, `limit` in tests, or the engine refusing) `alloc` returns null and the
 * caller falls back to host memory. Blocks never move: storage is views at fixed addresses.
 */
export class Heap {
  private top: number;
  private highWater: number;
  /** Free blocks by size. */
  private readonly free = new Map<number, Set<number>>();
  /** The sizes with free blocks, ascending (best fit: the first one >= a request). */
  private readonly freeSizes: number[] = [];
  /** Free blocks by start address (their size) and by end address (their start): the merge lookups. */
  private readonly freeAt = new Map<number, number>();
  private readonly freeEndingAt = new Map<number, number>();
  private readonly sizes = new Map<number, number>();
  private liveBytes = 0;
  private freeBytes = 0;

  constructor(private readonly rt: WasmRuntime, private readonly base: number, private readonly limit = WASM32_BYTES) {
    this.top = Math.ceil(base / ALIGN) * ALIGN;
    this.highWater = this.top;
  }

  /** Byte address of a block of at least `bytes` bytes (contents undefined), or null when full. */
  alloc(bytes: number): number | null {
    const size = sizeClass(Math.max(1, bytes));
    let addr = this.takeFree(size);
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
      this.highWater = Math.max(this.highWater, end);
      this.sizes.set(addr, size);
    }
    this.liveBytes += this.sizes.get(addr)!;
    return addr;
  }

  release(addr: number): void {
    let size = this.sizes.get(addr);
    if (size === undefined) throw new BackendError(`wasm heap: no live block at byte ${addr} (double free?)`);
    this.sizes.delete(addr);
    this.liveBytes -= size;
    const left = this.freeEndingAt.get(addr);
    if (left !== undefined) {
      size += this.unlist(left);
      addr = left;
    }
    if (this.freeAt.has(addr + size)) size += this.unlist(addr + size);
    if (addr + size === this.top) this.top = addr; // back to the unreserved top
    else this.list(addr, size);
  }

  /** Size in bytes of the live block at `addr`. */
  blockSize(addr: number): number {
    return this.sizes.get(addr) ?? 0;
  }

  stats(): HeapStats {
    return { liveBlocks: this.sizes.size, liveBytes: this.liveBytes, reservedBytes: this.highWater - this.base, freeBytes: this.freeBytes };
  }

  /** A free block for `size` (exact class, else the best fit split), marked live; undefined if none. */
  private takeFree(size: number): number | undefined {
    const exact = this.free.get(size);
    if (exact) {
      const addr = firstOf(exact);
      this.unlist(addr);
      this.sizes.set(addr, size);
      return addr;
    }
    const i = lowerBound(this.freeSizes, size);
    if (i === this.freeSizes.length) return undefined;
    const blockSize = this.freeSizes[i];
    const addr = firstOf(this.free.get(blockSize)!);
    this.unlist(addr);
    // Keep the rest free unless it is too small to serve anything.
    const rest = blockSize - size;
    if (rest >= ALIGN) {
      this.list(addr + size, rest);
      this.sizes.set(addr, size);
    } else {
      this.sizes.set(addr, blockSize);
    }
    return addr;
  }

  private list(addr: number, size: number): void {
    let set = this.free.get(size);
    if (!set) {
      this.free.set(size, (set = new Set()));
      this.freeSizes.splice(lowerBound(this.freeSizes, size), 0, size);
    }
    set.add(addr);
    this.freeAt.set(addr, size);
    this.freeEndingAt.set(addr + size, addr);
    this.freeBytes += size;
  }

  /** Take a free block off its list; returns its size. */
  private unlist(addr: number): number {
    const size = this.freeAt.get(addr)!;
    const set = this.free.get(size)!;
    set.delete(addr);
    if (set.size === 0) {
      this.free.delete(size);
      this.freeSizes.splice(lowerBound(this.freeSizes, size), 1);
    }
    this.freeAt.delete(addr);
    this.freeEndingAt.delete(addr + size);
    this.freeBytes -= size;
    return size;
  }
}

/** The longest-listed member of a non-empty set (O(1); a set has no cheap last). */
function firstOf(set: Set<number>): number {
  return set.values().next().value as number;
}

/** First index of `sorted` whose value is >= `v`. */
function lowerBound(sorted: readonly number[], v: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
