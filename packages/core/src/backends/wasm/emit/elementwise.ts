import { WASM_BINARY_OPS, WASM_UNARY_OPS, binaryOps, unaryOps, type WasmBinaryOp, type WasmUnaryOp } from '../../../ops/definitions/index.js';
import { FnBuilder, type Local } from './builder.js';

// Which ops have a wasm kernel, and its arithmetic, come from their definitions
// (ops/definitions: the `wasm` field); this file adds the streaming loops around them.
export { WASM_BINARY_OPS, WASM_UNARY_OPS, type WasmBinaryOp, type WasmUnaryOp };

/**
 * Operand layouts: `same` shapes; `scalarA`/`scalarB` one operand is a single value; `rowA`/
 * `rowB` one operand is a row of C values repeated over every row of the other ([..., C] ∘ [C]);
 * `channelB` b holds one value per channel of a [A, C, B] ([A, C, B] ∘ [C, 1...]: a conv bias).
 */
export const BROADCASTS = ['same', 'scalarA', 'scalarB', 'rowA', 'rowB', 'channelB'] as const;
export type Broadcast = (typeof BROADCASTS)[number];

export type BinaryKernelName = `bin_${WasmBinaryOp}_${Broadcast}`;
export type UnaryKernelName = `un_${WasmUnaryOp}`;

export const BINARY_KERNELS: readonly BinaryKernelName[] = WASM_BINARY_OPS.flatMap((op) => BROADCASTS.map((b) => `bin_${op}_${b}` as const));
export const UNARY_KERNELS: readonly UnaryKernelName[] = WASM_UNARY_OPS.map((op) => `un_${op}` as const);

/**
 * for (i = 0; i < n; i++) with an f32x4 body over groups of four and a scalar tail; every pointer
 * in `ptrs` advances by one element (four in the vector part) per step.
 */
export function streamLoop(f: FnBuilder, n: Local, ptrs: Local[], vector: () => void, scalar: () => void): void {
  const i = f.local(), n4 = f.local();
  f.get(n).i32(-4).and().set(n4);
  f.forRange(i, () => f.i32(0), () => f.get(n4), () => {
    vector();
    for (const p of ptrs) f.inc(p, 16);
  }, 4);
  f.forRange(i, () => f.get(n4), () => f.get(n), () => {
    scalar();
    for (const p of ptrs) f.inc(p, 4);
  });
}

/**
 * bin_<op>_<broadcast>(a, b, out, n, C): out[i] = a[.] op b[.] for i in [0, n), addresses in
 * bytes. C is the row length for the row broadcasts (n a multiple of C), ignored otherwise.
 * bin_<op>_channelB(a, b, out, r0, r1, B, C): runs [r0, r1) of B elements, a and out at run 0,
 * run r with b[r mod C]: one call per task, where a call per run cost more than the work for
 * small images (a [64, 64, 7, 7] bias add is 4096 runs of 49).
 */
export function emitBinary(op: WasmBinaryOp, mode: Broadcast): FnBuilder {
  if (mode === 'channelB') return emitChannelBinary(op);
  const f = FnBuilder.i32Params(`bin_${op}_${mode}`, 5);
  const [a, b, out, n, C] = [0, 1, 2, 3, 4];
  const va = f.v128(), vb = f.v128(), sa = f.f32(), sb = f.f32();
  const pair = streamPair(f, op, mode, { a, b, out, va, vb, sa, sb });
  const vecA = () => f.get(a).v128load().set(va), vecB = () => f.get(b).v128load().set(vb);
  if (mode === 'same') pair(vecA, vecB, [a, b, out], n);
  else if (mode === 'scalarA') {
    f.get(a).f32load().tee(sa).f32x4splat().set(va);
    pair(() => {}, vecB, [b, out], n);
  } else if (mode === 'scalarB') {
    f.get(b).f32load().tee(sb).f32x4splat().set(vb);
    pair(vecA, () => {}, [a, out], n);
  } else {
    // One row of the full operand per pass; the row operand restarts at its first value.
    const [row, rows, rowPtr] = [f.local(), f.local(), f.local()];
    const rowOperand = mode === 'rowA' ? a : b;
    f.get(rowOperand).set(rowPtr);
    f.get(n).get(C).divS().set(rows);
    f.forRange(row, () => f.i32(0), () => f.get(rows), () => {
      f.get(rowPtr).set(rowOperand);
      pair(vecA, vecB, [a, b, out], C);
    });
  }
  return f;
}

interface PairLocals { a: Local; b: Local; out: Local; va: Local; vb: Local; sa: Local; sb: Local }

/** The stream of out = a op b over `count` elements: `loadA`/`loadB` fill va/vb (a scalar operand is already splatted). */
function streamPair(f: FnBuilder, op: WasmBinaryOp, mode: Broadcast, { a, b, out, va, vb, sa, sb }: PairLocals) {
  const { vector, scalar } = binaryOps[op].wasm;
  return (loadA: () => void, loadB: () => void, ptrs: Local[], count: Local) => streamLoop(f, count, ptrs, () => {
    f.get(out);
    loadA();
    loadB();
    vector(f, va, vb);
    f.v128store();
  }, () => {
    f.get(out);
    if (mode !== 'scalarA') f.get(a).f32load().set(sa);
    if (mode !== 'scalarB' && mode !== 'channelB') f.get(b).f32load().set(sb);
    scalar(f, sa, sb);
    f.f32store();
  });
}

/** bin_<op>_channelB (see emitBinary): per run, b's value splatted and streamed against a's B elements. */
function emitChannelBinary(op: WasmBinaryOp): FnBuilder {
  const f = FnBuilder.i32Params(`bin_${op}_channelB`, 7);
  const [aRun0, b, outRun0, r0, r1, B, C] = [0, 1, 2, 3, 4, 5, 6];
  const [a, out, r, runBytes] = [f.local(), f.local(), f.local(), f.local()];
  const va = f.v128(), vb = f.v128(), sa = f.f32(), sb = f.f32();
  const pair = streamPair(f, op, 'channelB', { a, b, out, va, vb, sa, sb });
  f.get(B).i32(4).mul().set(runBytes);
  f.forRange(r, () => f.get(r0), () => f.get(r1), () => {
    f.get(aRun0).get(r).get(runBytes).mul().add().set(a);
    f.get(outRun0).get(r).get(runBytes).mul().add().set(out);
    f.get(b).get(r).get(C).remS().i32(4).mul().add().f32load().tee(sb).f32x4splat().set(vb);
    pair(() => f.get(a).v128load().set(va), () => {}, [a, out], B);
  });
  return f;
}

/** un_<op>(x, out, n): out[i] = op(x[i]), the definition's `fn` in f32x4 and f32. */
export function emitUnary(op: WasmUnaryOp): FnBuilder {
  const f = FnBuilder.i32Params(`un_${op}`, 3);
  const [x, out, n] = [0, 1, 2];
  const v = f.v128(), s = f.f32();
  const { vector, scalar } = unaryOps[op].wasm;
  streamLoop(f, n, [x, out], () => {
    f.get(out).get(x).v128load();
    vector(f, v);
    f.v128store();
  }, () => {
    f.get(out).get(x).f32load();
    scalar(f, s);
    f.f32store();
  });
  return f;
}
