/**
 * The kernels for layers whose input is a k-WTA's winners (issue 14), exported through
 * @kwta/core/internal: the standalone kernels, their TypeScript references and the cost model
 * that picks them, so tests and benchmarks can drive them directly. The ops reach them through
 * the backend's kernel table (ops/sparse/, docs/sparse.md), with no public API change.
 */
export * from './backends/cpu/sparse-rows.js';
export * from './backends/cpu/sparse-linear.js';
export * from './backends/cpu/sparse-conv.js';
export { extractWinnersWasm, densifyWasm, type RowsInWasm, type PlacedRows } from './backends/wasm/sparse-rows.js';
export { packLinearWeight, sparseLinearWasm, sparseLinearWeightGradWasm, sparseLinearInputGradWasm, type PackedWeight } from './backends/wasm/sparse-linear.js';
export { sparseConv2dWasm, sparseConv2dBackwardFilterWasm, sparseConv2dBackwardInputWasm } from './backends/wasm/sparse-conv.js';
export { SPARSE_PANEL } from './backends/wasm/emit/sparse-linear.js';
export type { Operand } from './backends/wasm/storage.js';
export {
  SPARSE_PASSES, WASM_SPARSE_RATES, crossoverDensity, estimateMs, featuresOf, passWork, sparsePays,
  type ConvLayer, type LinearLayer, type PassWork, type SparseLayer, type SparsePass, type SparseRates,
} from './backends/sparse-cost.js';
