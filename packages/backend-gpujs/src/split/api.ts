import type { BinaryOp, DType, KernelAttrs, KernelName } from '@kwta/core';
import type { Box, Paged } from './paged.js';
import type { DeviceKernelName } from '../kernels/host.js';

/** What a kernel's split rule may do: launch (recursively planned) kernels and handle temporaries. */
export interface SplitContext {
  /** Elements one device buffer may hold. */
  readonly capacity: number;
  /** Run a kernel, itself split if it does not fit; results are temporaries of the current run. */
  run<K extends DeviceKernelName>(kernel: K, inputs: Paged[], attrs: KernelAttrs[K]): Paged[];
  /** Would one launch of `kernel` on operands of these shapes fit? */
  fits<K extends DeviceKernelName>(kernel: K, inShapes: readonly number[][], attrs: KernelAttrs[K]): boolean;
  /** Box of a tensor: a view when contiguous, else a copy. */
  region(t: Paged, b: Box): Paged;
  /** A new tensor of `shape` filled with `value`. */
  fill(shape: number[], dtype: DType, value: number): Paged;
  /** Fold same-shaped temporaries with an elementwise op (they are released). */
  combine(op: BinaryOp, parts: Paged[]): Paged;
  /** The CPU backend's kernel on host copies of the operands. */
  onHost<K extends KernelName>(kernel: K, inputs: Paged[], attrs: KernelAttrs[K]): Paged[];
  /** Release a temporary now rather than at the end of the run. */
  release(t: Paged): void;
}

export type SplitRule<K extends DeviceKernelName> = (ctx: SplitContext, inputs: Paged[], attrs: KernelAttrs[K]) => Paged[];
