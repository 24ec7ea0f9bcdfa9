import type { DeviceKernelName } from '../kernels/host.js';
import { BackendError, runReferenceKernel, fmtShape, type BinaryOp, type DType, type KernelAttrs, type KernelName, type TypedArray } from '@kwta/core';
import type { Device, DeviceBuffer } from '../device.js';
import { deviceKernels } from '../kernels/index.js';
import { f, sizeOf } from '../kernels/codegen.js';
import { launch, type DevTensor } from '../kernels/types.js';
import { boxShape, contiguousStart, view, type Box, type Paged } from './paged.js';
import { outputShapes } from './shapes.js';
import { splitRules, type SplitContext } from './rules.js';

/** Device temporaries a kernel makes beyond its operands and results (only the filter gradient's partial sums). */
function tempElements<K extends DeviceKernelName>(kernel: K, inputs: readonly number[][], outs: readonly number[][]): number {
  return kernel === 'conv2dBackwardFilter' ? sizeOf(outs[0]) * inputs[0][0] : 0;
}

/**
 * Runs kernels on paged tensors so that no launch ever touches a buffer larger than the device's
 * capacity: a launch that fits runs as one gpu.js kernel (its operands each gathered into one
 * buffer first if they span pages); one that does not is cut by its kernel's rule (rules.ts) into
 * launches that do, whose results become the pages of the output or are combined.
 *
 * Everything made during one `run` is owned by it: results are handed to the caller, every other
 * buffer is released before `run` returns (also when it throws).
 */
export class Splitter implements SplitContext {
  private owned = new Set<DeviceBuffer>();
  private depth = 0;
  /** Launches that did not fit and were cut by their kernel's rule (a diagnostic; tests check the path ran). */
  cutLaunches = 0;

  constructor(readonly device: Device, readonly capacity: number) {}

  run<K extends DeviceKernelName>(kernel: K, inputs: Paged[], attrs: KernelAttrs[K]): Paged[] {
    const top = this.depth === 0;
    this.depth++;
    try {
      const outs = this.plan(kernel, inputs, attrs);
      if (top) this.settle(outs);
      return outs;
    } catch (e) {
      if (top) this.settle([]);
      throw e;
    } finally {
      this.depth--;
    }
  }

  /** Does one launch of `kernel` keep every operand, result and temporary within capacity? */
  fits<K extends DeviceKernelName>(kernel: K, inShapes: readonly number[][], attrs: KernelAttrs[K]): boolean {
    const outs = (outputShapes[kernel] as (s: readonly number[][], a: KernelAttrs[K]) => number[][])(inShapes, attrs);
    const cap = this.capacity;
    return inShapes.every((s) => sizeOf(s) <= cap) && outs.every((s) => sizeOf(s) <= cap) && tempElements(kernel, inShapes, outs) <= cap;
  }

  /** Box `b` of `t`: a view when it is one contiguous run, otherwise copied out by a slice kernel. */
  region(t: Paged, b: Box): Paged {
    const shape = boxShape(b);
    const start = contiguousStart(t.shape, b);
    if (start !== null) return view(t, start, shape);
    return this.run('slice', [t], { begin: [...b.lo], size: shape })[0];
  }

  fill(shape: number[], dtype: DType, value: number): Paged {
    return this.adopt(launch(this.device, 'fill', shape, dtype, [], `return ${f(value)};`));
  }

  /** Fold `parts` (same shape) with an elementwise op, releasing them as it goes. */
  combine(op: BinaryOp, parts: Paged[]): Paged {
    let acc = parts[0];
    for (const p of parts.slice(1)) {
      const next = this.run('binary', [acc, p], { op })[0];
      this.release(acc);
      this.release(p);
      acc = next;
    }
    return acc;
  }

  /** The CPU backend's kernel on host copies (used where a row cannot fit one texture). */
  onHost<K extends KernelName>(kernel: K, inputs: Paged[], attrs: KernelAttrs[K]): Paged[] {
    const args = inputs.map((t) => ({ values: this.download(t) as TypedArray, shape: t.shape, dtype: t.dtype }));
    return runReferenceKernel(kernel, args, attrs).map((o) => {
      const segs = this.device.uploadPages(Float32Array.from(o.values), this.capacity);
      segs.forEach((s) => this.owned.add(s.buf));
      return { segs, shape: [...o.shape], dtype: o.dtype };
    });
  }

  /** Release a temporary made during this run (views and caller-owned buffers are left alone). */
  release(t: Paged): void {
    for (const s of t.segs) {
      if (this.owned.delete(s.buf)) this.device.release(s.buf);
    }
  }

  download(t: Paged): Float32Array {
    const out = new Float32Array(sizeOf(t.shape));
    let at = 0;
    for (const s of t.segs) {
      out.set(this.device.download(s.buf).subarray(s.offset, s.offset + s.size), at);
      at += s.size;
    }
    return out;
  }

  private plan<K extends DeviceKernelName>(kernel: K, inputs: Paged[], attrs: KernelAttrs[K]): Paged[] {
    if (this.fits(kernel, inputs.map((t) => t.shape), attrs)) return this.leaf(kernel, inputs, attrs);
    const rule = splitRules[kernel] as (c: SplitContext, i: Paged[], a: KernelAttrs[K]) => Paged[];
    this.cutLaunches++;
    return rule(this, inputs, attrs);
  }

  /** One launch: operands spanning several pages are first gathered into one buffer. */
  private leaf<K extends DeviceKernelName>(kernel: K, inputs: Paged[], attrs: KernelAttrs[K]): Paged[] {
    const gathered: Paged[] = [];
    const args: DevTensor[] = inputs.map((t) => {
      if (t.segs.length === 1) return { buf: t.segs[0].buf, offset: t.segs[0].offset, shape: t.shape, dtype: t.dtype };
      if (t.segs.length === 0) throw new BackendError(`gpujs backend: ${kernel} got an empty operand ${fmtShape(t.shape)} on the device path`);
      const g = this.gather(t);
      gathered.push(g);
      return { buf: g.segs[0].buf, offset: 0, shape: t.shape, dtype: t.dtype };
    });
    try {
      const impl = deviceKernels[kernel] as (d: Device, i: DevTensor[], a: KernelAttrs[K]) => DevTensor[];
      return impl(this.device, args, attrs).map((o) => this.adopt(o));
    } finally {
      gathered.forEach((g) => this.release(g));
    }
  }

  /** Copy a multi-page tensor (at most `capacity` elements) into one buffer. */
  private gather(t: Paged): Paged {
    const parts = t.segs.map((s): DevTensor => ({ buf: s.buf, offset: s.offset, shape: [s.size], dtype: t.dtype }));
    const [out] = deviceKernels.concat(this.device, parts, { axis: 0 });
    return this.adopt({ ...out, shape: t.shape });
  }

  private adopt(o: DevTensor): Paged {
    this.owned.add(o.buf);
    return { segs: [{ buf: o.buf, offset: 0, size: sizeOf(o.shape) }], shape: o.shape, dtype: o.dtype };
  }

  /** End of a top-level run: the results leave this run's ownership, everything else is released. */
  private settle(outs: readonly Paged[]): void {
    const keep = new Set(outs.flatMap((o) => o.segs.map((s) => s.buf)));
    // A result sharing a buffer it does not own (a view of an input) would be freed twice later.
    if ([...keep].some((b) => !this.owned.has(b))) throw new BackendError('gpujs backend: internal error: a split rule returned a view of its input as a result');
    for (const buf of this.owned) if (!keep.has(buf)) this.device.release(buf);
    this.owned = new Set();
  }
}
