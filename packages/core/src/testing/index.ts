/**
 * @kwta/core/testing: gradient checking for users (`gradcheck`, `gradcheckModule`, fast-check
 * arbitraries for tensors), and the shared suites every backend runs (conformance values against
 * the definitions, gradient cases, and their float32 comparison against the CPU backend), the
 * naive reference implementations behind them, and the leak tests' training workload.
 * Importing it needs fast-check (an optional peer dependency of @kwta/core).
 */
export * from './finite-differences.js';
export * from './gradcheck-module.js';
export * from './arbitraries.js';
export * from './naive.js';
export * from './conformance.js';
export * from './gradcheck.js';
export * from './gradcompare.js';
export * from './harness.js';
export * from './trainer.js';
