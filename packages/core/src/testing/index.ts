/**
 * @kwta/core/testing: the shared suites every backend runs (conformance values against the
 * definitions, gradient cases, and their float32 comparison against the CPU backend), the naive
 * reference implementations behind them, and the leak tests' training workload.
 */
export * from './naive.js';
export * from './conformance.js';
export * from './gradcheck.js';
export * from './gradcompare.js';
export * from './harness.js';
export * from './trainer.js';
