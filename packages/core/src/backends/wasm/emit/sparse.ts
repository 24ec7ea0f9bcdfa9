import type { FnBuilder } from './builder.js';
import { SPARSE_CONV_KERNELS, emitSparseConvKernels } from './sparse-conv.js';
import {
  emitSparseLinearForward, emitSparseLinearInputGrad, emitSparseLinearWeightGrad, emitSparsePack, emitSparsePackFull, type FunctionIndex,
} from './sparse-linear.js';
import { emitCountNonzero, emitDensify, emitExtract } from './sparse-rows.js';

/** The sparse-input kernels (k-WTA winners feeding a linear or conv layer), in module order. */
export const SPARSE_KERNELS = [
  'sp_extract', 'sp_extract_nz', 'sp_count_nz', 'sp_densify', 'sp_pack', 'sp_pack_full', 'sp_linear_fwd', 'sp_linear_dw', 'sp_linear_dx', ...SPARSE_CONV_KERNELS,
] as const;

/** `index`: where the module puts each function (the forward calls the packers). */
export function emitSparseKernels(index: FunctionIndex): FnBuilder[] {
  return [
    emitExtract('mask'), emitExtract('nonzero'), emitCountNonzero(), emitDensify(), emitSparsePack(), emitSparsePackFull(), emitSparseLinearForward(index), emitSparseLinearWeightGrad(), emitSparseLinearInputGrad(),
    ...emitSparseConvKernels(),
  ];
}
