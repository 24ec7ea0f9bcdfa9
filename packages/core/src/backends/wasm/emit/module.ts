import { encodeModule } from './encoder.js';
import { emitCol2im, emitIm2col } from './conv.js';
import { BINARY_KERNELS, BROADCASTS, UNARY_KERNELS, WASM_BINARY_OPS, WASM_UNARY_OPS, emitBinary, emitUnary } from './elementwise.js';
import { DEFAULT_GEMM, emitMicroKernel, emitPack, emitTiles, type GemmShape } from './gemm.js';
import { COMPARE_KERNELS, WASM_COMPARE_OPS, WHERE_KERNELS, emitCompareScalar, emitWhere } from './mask.js';
import { emitSumCols, emitSumMid, emitSumRows } from './reduce.js';
import { emitTopkRows } from './select.js';
import { SPARSE_KERNELS, emitSparseKernels } from './sparse.js';
import { SGD_KERNELS, SGD_VARIANTS, emitSgd } from './update.js';

/** The exported kernels, in function-index order (the micro-kernel must stay first: tiles call it). */
export const KERNEL_NAMES = [
  'gemm_micro', 'gemm_tiles', 'packA_rows', 'packA_cols', 'packB_rows', 'packB_cols', 'im2col', 'col2im',
  ...BINARY_KERNELS, ...UNARY_KERNELS, 'sum_rows', 'sum_cols', 'topk_rows',
  ...COMPARE_KERNELS, ...WHERE_KERNELS, 'sum_mid', ...SPARSE_KERNELS, ...SGD_KERNELS,
] as const;
export type WasmKernelName = (typeof KERNEL_NAMES)[number];

export interface KernelModule {
  module: WebAssembly.Module;
  gemm: GemmShape;
}

/** Maximum memory: 4 GiB, the wasm32 limit (only address space is reserved up front). */
export const MAX_PAGES = 65536;

/** The module's bytes for a given register tile and memory kind (exposed for validation tests). */
export function kernelModuleBytes(gemm: GemmShape, shared: boolean): Uint8Array {
  const funcs = [
    emitMicroKernel(gemm),
    emitTiles(gemm, 0),
    emitPack('packA_rows', gemm.MR, true),
    emitPack('packA_cols', gemm.MR, false),
    emitPack('packB_rows', gemm.NR, true),
    emitPack('packB_cols', gemm.NR, false),
    emitIm2col(),
    emitCol2im(),
    ...WASM_BINARY_OPS.flatMap((op) => BROADCASTS.map((mode) => emitBinary(op, mode))),
    ...WASM_UNARY_OPS.map((op) => emitUnary(op)),
    emitSumRows(),
    emitSumCols(),
    emitTopkRows(),
    ...WASM_COMPARE_OPS.map((op) => emitCompareScalar(op)),
    ...WHERE_KERNELS.map((name) => emitWhere(name)),
    emitSumMid(),
    ...emitSparseKernels((name) => KERNEL_NAMES.indexOf(name)),
    ...SGD_VARIANTS.map(emitSgd),
  ];
  funcs.forEach((f, i) => {
    if (f.name !== KERNEL_NAMES[i]) throw new Error(`wasm kernel module: function ${i} is ${f.name}, expected ${KERNEL_NAMES[i]}`);
  });
  return encodeModule(funcs.map((f) => f.def()), { initialPages: 1, maximumPages: MAX_PAGES, shared });
}

/** Emit and compile the kernels (synchronous compile: the module is a few kilobytes). */
export function compileKernels(shared: boolean, gemm: GemmShape = DEFAULT_GEMM): KernelModule {
  const bytes = kernelModuleBytes(gemm, shared);
  return { module: new WebAssembly.Module(bytes as BufferSource), gemm };
}
