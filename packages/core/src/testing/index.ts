/**
 * @kwta/core/testing: the shared suites every backend runs (conformance values against the
 * definitions, gradient cases) and the naive reference implementations behind them.
 */
export * from './naive.js';
export * from './conformance.js';
export * from './gradcheck.js';
export * from './harness.js';
