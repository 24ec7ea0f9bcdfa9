import { ARENA_BASE, type WasmRuntime } from './runtime.js';

const ALIGN = 64;

/**
 * Per-kernel scratch in wasm memory: a bump allocator reset at the start of every kernel (kernels
 * do not nest), so there is no free list and nothing to leak. Memory only grows, to the largest
 * kernel's need. Each buffer gets a guard band before and after it because the branch-free
 * unfold kernels may read (and discard) a few floats past a buffer's ends.
 */
export class Arena {
  private top = ARENA_BASE;

  constructor(private readonly rt: WasmRuntime) {}

  reset(): void {
    this.top = ARENA_BASE;
  }

  /** Byte address of `bytes` fresh bytes (contents undefined), with `guard` spare bytes each side. */
  alloc(bytes: number, guard = ALIGN): number {
    const p = Math.ceil((this.top + guard) / ALIGN) * ALIGN;
    this.top = p + bytes + guard;
    this.rt.reserve(this.top);
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
}

/** Split [0, n) into `parts` contiguous ranges as equal as possible (some may be empty). */
export function splitRange(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let t = 0; t < parts; t++) out.push([Math.floor((n * t) / parts), Math.floor((n * (t + 1)) / parts)]);
  return out;
}
