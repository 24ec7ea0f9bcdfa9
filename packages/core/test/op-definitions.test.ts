import { describe, expect, it } from 'vitest';
import { KERNEL_NAMES, profileKernels, runReferenceKernel, type CpuArray } from '../src/index.js';
import { BINARY_OPS, COMPARE_OPS, DERIVED_OPS, UNARY_OPS, binaryOps, compareOps, derivedOps, unaryOps } from '../src/internal.js';
import * as ops from '../src/ops/index.js';
import { FLOAT32_TOLERANCE, checkCase, conformanceCases, gradCases } from '../src/testing/index.js';

// The registry checks behind "Adding an op" in docs/architecture.md: an op is one definition
// (ops/definitions), and everything else must follow from it.

describe('op definitions registry', () => {
  const elementwise = [...UNARY_OPS, ...BINARY_OPS, ...COMPARE_OPS, ...DERIVED_OPS];

  it('every definition has its public op, under its name', () => {
    const missing = elementwise.filter((op) => typeof (ops as Record<string, unknown>)[op] !== 'function');
    expect(missing).toEqual([]);
  });

  it('every definition has a conformance case', () => {
    const names = conformanceCases().map((c) => c.name);
    const has = (prefix: string) => names.some((n) => n === prefix || n.startsWith(`${prefix} `));
    const missing = [
      ...UNARY_OPS.filter((op) => !has(`unary ${op}`)),
      ...BINARY_OPS.filter((op) => !has(`binary ${op}`)),
      ...COMPARE_OPS.filter((op) => !has(`compare ${op}`)),
      ...DERIVED_OPS.filter((op) => !has(`derived ${op}`)),
    ];
    expect(missing).toEqual([]);
  });

  it('every differentiable definition has a gradient case of its own', () => {
    const names = gradCases().map((c) => c.name.split(' ')[0]);
    const differentiable = [
      ...UNARY_OPS.filter((op) => 'grad' in unaryOps[op]), ...BINARY_OPS.filter((op) => 'grad' in binaryOps[op]), ...DERIVED_OPS,
    ];
    expect(differentiable.filter((op) => !names.includes(op))).toEqual([]);
  });

  // As PyTorch and IEEE 754's maximum: NaN is never turned into a number, so NaN weights or
  // inputs show up as NaN (relu(NaN) = 0 would hide them). The one IEEE exception: x^0 = 1.
  it('every definition propagates NaN', () => {
    const pairs = [-1.5, 0, 2].flatMap((v) => [[NaN, v], [v, NaN], [NaN, NaN]]);
    const leaks = [
      ...UNARY_OPS.filter((op) => !Number.isNaN(unaryOps[op].fn(NaN))).map((op) => `unary ${op}(NaN) = ${unaryOps[op].fn(NaN)}`),
      ...DERIVED_OPS.filter((op) => !Number.isNaN(derivedOps[op].reference(NaN))).map((op) => `derived ${op}(NaN) = ${derivedOps[op].reference(NaN)}`),
      ...BINARY_OPS.flatMap((op) => pairs
        .filter(([a, b]) => !(op === 'pow' && b === 0) && !Number.isNaN(binaryOps[op].fn(a, b)))
        .map(([a, b]) => `binary ${op}(${a}, ${b}) = ${binaryOps[op].fn(a, b)}`)),
    ];
    expect(leaks).toEqual([]);
  });

  it('the conformance suite runs every kernel and every elementwise op of a kernel (so every backend is tested on each)', () => {
    const { kernels } = profileKernels(() => conformanceCases().forEach((c) => checkCase(c, 1, FLOAT32_TOLERANCE)));
    const kernelNames = new Set(kernels.map((k) => k.kernel));
    const keys = new Set(kernels.map((k) => k.key.split(' ')[0]));
    expect(KERNEL_NAMES.filter((k) => !kernelNames.has(k))).toEqual([]);
    const opKeys = [...UNARY_OPS.map((op) => `unary:${op}`), ...BINARY_OPS.map((op) => `binary:${op}`), ...COMPARE_OPS.map((op) => `compare:${op}`)];
    expect(opKeys.filter((k) => !keys.has(k))).toEqual([]);
  });
});

// Special values first (NaN, ±0, ±Infinity), then ordinary ones: every bit must match.
const VALUES = [NaN, 0, -0, Infinity, -Infinity, 1, -1, 0.5, -0.5, 2.5, -3.75, 1e-30, 7, -7, 0.1, 3];

function host(values: number[], shape: number[], dtype: 'float32' | 'float64'): CpuArray {
  return { values: dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values), shape, dtype };
}

function expectBits(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) expect.fail(`${what}: element ${i} is ${got[i]}, the definition gives ${want[i]}`);
  }
}

describe('CPU elementwise kernels (fast loops included) against the definitions, bit for bit', () => {
  const n = VALUES.length;
  const other = [...VALUES].reverse();

  it.each(['float32', 'float64'] as const)('unary, %s', (dtype) => {
    for (const op of UNARY_OPS) {
      const x = host(VALUES, [n], dtype);
      const [y] = runReferenceKernel('unary', [x], { op });
      expectBits(y.values, host(Array.from(x.values, unaryOps[op].fn), [n], dtype).values, `unary ${op} ${dtype}`);
    }
  });

  it.each(['float32', 'float64'] as const)('binary and compare, same shape, scalar and per-channel operands, %s', (dtype) => {
    // [a shape, b shape, b values]: the same-shape, scalar-b and channel-broadcast fast paths, and the general loop.
    const layouts: [number[], number[], (i: number) => number][] = [
      [[n], [n], (i) => other[i]],
      [[n], [], () => -0.5],
      [[n], [1], () => NaN],
      [[2, n / 2], [2, 1], (i) => other[i]],
      [[2, n / 2], [n / 2], (i) => other[i]],
    ];
    for (const [sa, sb, bAt] of layouts) {
      const a = host(VALUES, sa, dtype);
      const bValues = Array.from({ length: sb.reduce((p, d) => p * d, 1) }, (_, i) => bAt(i));
      const b = host(bValues, sb, dtype);
      const at = (i: number) => b.values[sb.length === 0 || bValues.length === 1 ? 0 : sb.length === 2 ? Math.floor(i / (n / 2)) : i % bValues.length];
      for (const op of BINARY_OPS) {
        const [y] = runReferenceKernel('binary', [a, b], { op });
        expectBits(y.values, host(Array.from(a.values, (v, i) => binaryOps[op].fn(v, at(i))), sa, dtype).values, `binary ${op} [${sa}] [${sb}] ${dtype}`);
      }
      for (const op of COMPARE_OPS) {
        const [y] = runReferenceKernel('compare', [a, b], { op });
        expectBits(y.values, Uint8Array.from(a.values, (v, i) => (compareOps[op].fn(v, at(i)) ? 1 : 0)), `compare ${op} [${sa}] [${sb}] ${dtype}`);
      }
    }
  });
});
