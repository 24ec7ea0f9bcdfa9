import type { FnBuilder, Local } from '../../backends/wasm/emit/builder.js';
import type { Tensor } from '../../tensor.js';

/** A closed interval test inputs are drawn from. */
export type Range = readonly [lo: number, hi: number];

/**
 * How gradient tests draw an operand: `uniform` in the range, or `magnitude` (|x| in the range,
 * random sign: away from the kink or pole at 0).
 */
export type Sample = { uniform: Range } | { magnitude: Range };

/**
 * A backward rule for an elementwise op (the same signature as every rule in `gradRules`): given
 * dy, the inputs and the output, one gradient per input (null where `needs[i]` is false).
 */
export type ElementwiseGradRule = (dy: Tensor, x: Tensor[], y: Tensor, attrs: Record<string, never>, needs: boolean[]) => (Tensor | null)[];

/** Instructions of a wasm SIMD kernel body; see each field for where operands are. */
export type WasmEmit<Args extends unknown[]> = (f: FnBuilder, ...args: Args) => unknown;

/** A unary elementwise primitive: one entry per op, from which every backend and test derives. */
export interface UnaryDef {
  /** The definition on one value: the CPU kernel applies it, the conformance suite checks against it. */
  fn: (x: number) => number;
  /** The same as a gpu.js (JavaScript subset, compiled to GLSL) expression of `v`. */
  gpu: string;
  /**
   * A wasm SIMD kernel (optional: without one the wasm backend runs `fn`). The operand is on the
   * stack (f32x4 in `vector`, f32 in `scalar`); leave the result there. `tmp` is a scratch local
   * of the operand's type.
   */
  wasm?: { vector: WasmEmit<[tmp: Local]>; scalar: WasmEmit<[tmp: Local]> };
  /** Refuses integer tensors (exp, log, ...). */
  floatOnly?: true;
  /** Conformance inputs are drawn uniformly from here (inside the op's domain). */
  domain: Range;
  /** The backward rule (written with ops) and where the gradient test draws inputs; absent: not differentiable. */
  grad?: { rule: ElementwiseGradRule; inputs: Sample };
}

/** A binary elementwise primitive with NumPy broadcasting. */
export interface BinaryDef {
  fn: (a: number, b: number) => number;
  /** gpu.js expression of `x` and `y`, after the optional `gpuPrelude` statements. */
  gpu: string;
  gpuPrelude?: string;
  /** wasm SIMD kernel: push op(x, y) of the locals x and y (f32x4 in `vector`, f32 in `scalar`). */
  wasm?: { vector: WasmEmit<[x: Local, y: Local]>; scalar: WasmEmit<[x: Local, y: Local]> };
  /** Conformance ranges of a and b (default [-2, 2] each). */
  domain?: readonly [a: Range, b: Range];
  /**
   * The backward rule, and gradient-test inputs: a sample per operand, or `apart` (every element
   * of a at least that far from every element of b, so none sits on a switch like maximum's).
   */
  grad?: { rule: ElementwiseGradRule; inputs: readonly [a: Sample, b: Sample] | { apart: number } };
}

/** A comparison: a bool mask, no gradient. */
export interface CompareDef {
  fn: (a: number, b: number) => boolean;
  /** gpu.js boolean expression of `x` and `y`. */
  gpu: string;
  /** wasm SIMD compare of the two operands on the stack (f32x4 lanes to masks, or f32 to i32). */
  wasm?: { vector: WasmEmit<[]>; scalar: WasmEmit<[]> };
}

/**
 * An elementwise op that is not a kernel but a composition of primitives (tinygrad's way): no
 * backend implements it, its gradient comes from the primitives' rules.
 */
export interface DerivedDef {
  compose: (x: Tensor) => Tensor;
  /** The definition on one float64 value, for the conformance suite. */
  reference: (x: number) => number;
  floatOnly?: true;
  domain: Range;
  /** Where the gradient test draws inputs. */
  gradInputs: Sample;
}

/** Keys of `T` whose entry has property `P` (e.g. the unary ops with a wasm kernel). */
export type KeysWith<T, P extends string> = { [K in keyof T]: T[K] extends Record<P, unknown> ? K : never }[keyof T] & string;

/** The names of `table`'s entries that have property `p`, in table order. */
export function keysWith<T extends Record<string, object>, P extends string>(table: T, p: P): KeysWith<T, P>[] {
  return Object.keys(table).filter((k) => p in table[k]) as KeysWith<T, P>[];
}
