import type { DType } from '@kwta/core';
import type { DeviceBuffer } from '../device.js';
import { sizeOf } from '../kernels/codegen.js';

/** A run of `size` consecutive elements of one device buffer, starting at `offset`. */
export interface Segment {
  buf: DeviceBuffer;
  offset: number;
  size: number;
}

/**
 * A tensor whose flat storage is a list of segments, in order: one per page for a stored tensor
 * (a texture holds at most `capacity` elements, see capacity.ts), trimmed at the ends for a view.
 * Views share the buffers of what they view; only kernels make new buffers.
 */
export interface Paged {
  segs: Segment[];
  shape: number[];
  dtype: DType;
}

/** Per-axis half-open ranges [lo, hi) of a shape. */
export interface Box {
  lo: number[];
  hi: number[];
}

export const boxShape = (b: Box): number[] => b.lo.map((l, d) => b.hi[d] - l);

export const fullBox = (shape: readonly number[]): Box => ({ lo: shape.map(() => 0), hi: [...shape] });

/** Elements [start, start + sizeOf(shape)) of `t` as a tensor of `shape`, sharing its buffers. */
export function view(t: Paged, start: number, shape: number[]): Paged {
  const end = start + sizeOf(shape);
  const segs: Segment[] = [];
  let at = 0;
  for (const s of t.segs) {
    const from = Math.max(start, at), to = Math.min(end, at + s.size);
    if (from < to) segs.push({ buf: s.buf, offset: s.offset + from - at, size: to - from });
    at += s.size;
    if (at >= end) break;
  }
  return { segs, shape, dtype: t.dtype };
}

export const reshaped = (t: Paged, shape: number[]): Paged => ({ segs: t.segs, shape, dtype: t.dtype });

/**
 * Where box `b` of `shape` sits in flat storage, if it is one contiguous run: every axis after
 * the first one with more than one index taken must be taken whole. Returns null otherwise.
 */
export function contiguousStart(shape: readonly number[], b: Box): number | null {
  let start = 0;
  let stride = 1;
  let partialSeen = false;
  for (let d = shape.length - 1; d >= 0; d--) {
    const len = b.hi[d] - b.lo[d];
    // Walking from the last axis: once an axis is cut short, every axis before it must be a single index.
    if (partialSeen && len > 1) return null;
    if (len < shape[d]) partialSeen = true;
    start += b.lo[d] * stride;
    stride *= shape[d];
  }
  return start;
}

/** Concatenate pieces that are consecutive runs of one output into a tensor of `shape`. */
export function joined(pieces: readonly Paged[], shape: number[], dtype: DType): Paged {
  return { segs: pieces.flatMap((p) => p.segs), shape, dtype };
}

/** Consecutive ranges [lo, hi) covering [0, extent), each at most `len` long. */
export function ranges(extent: number, len: number): [number, number][] {
  const out: [number, number][] = [];
  for (let lo = 0; lo < extent; lo += len) out.push([lo, Math.min(extent, lo + len)]);
  return out;
}
