import type { DType, KernelAttrs } from '@kwta/core';
import { binaryOps, compareOps, unaryOps, type BinaryDef } from '@kwta/core/internal';
import type { Device } from '../device.js';
import { alignedStrides, dot, sizeOf, unravel } from './codegen.js';
import { launch, truncExpr, type DevTensor } from './types.js';

// Each op's gpu.js expression comes from its definition in @kwta/core (the `gpu` field of
// unaryOps, binaryOps, compareOps): written so NaN flows as on the CPU.

function finish(expr: string, dtype: DType): string {
  return dtype === 'int32' ? truncExpr(expr) : expr;
}

export function unary(device: Device, [x]: DevTensor[], { op }: KernelAttrs['unary']): DevTensor[] {
  const body = `const v = a0[i];\nreturn ${finish(unaryOps[op].gpu, x.dtype)};`;
  return [launch(device, `unary ${op}`, x.shape, x.dtype, [x], body)];
}

export function broadcastShape(shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + i] ?? 1;
      if (v !== 1) d = v;
    }
    return d;
  });
}

/** Lines defining `ix0, ix1, ...`: each operand's flat index for output element `i`. */
export function broadcastIndices(shape: readonly number[], operands: readonly DevTensor[]): string {
  const n = sizeOf(shape);
  const same = operands.every((o) => sizeOf(o.shape) === n);
  if (same) return operands.map((_, k) => `const ix${k} = i;`).join('\n');
  const lines = [unravel('i', shape, 'o')];
  operands.forEach((o, k) => {
    const s = sizeOf(o.shape);
    lines.push(`const ix${k} = ${s === 1 ? '0' : s === n ? 'i' : dot('o', alignedStrides(o.shape, shape))};`);
  });
  return lines.join('\n');
}

export function binary(device: Device, [a, b]: DevTensor[], { op }: KernelAttrs['binary']): DevTensor[] {
  const shape = broadcastShape([a.shape, b.shape]);
  const def: BinaryDef = binaryOps[op];
  const body = [
    broadcastIndices(shape, [a, b]),
    'const x = a0[ix0];',
    'const y = a1[ix1];',
    def.gpuPrelude ?? '',
    `return ${finish(def.gpu, a.dtype)};`,
  ].join('\n');
  return [launch(device, `binary ${op}`, shape, a.dtype, [a, b], body)];
}

export function compare(device: Device, [a, b]: DevTensor[], { op }: KernelAttrs['compare']): DevTensor[] {
  const shape = broadcastShape([a.shape, b.shape]);
  const body = `${broadcastIndices(shape, [a, b])}\nconst x = a0[ix0];\nconst y = a1[ix1];\nreturn ${compareOps[op].gpu} ? 1.0 : 0.0;`;
  return [launch(device, `compare ${op}`, shape, 'bool', [a, b], body)];
}

export function where(device: Device, [c, a, b]: DevTensor[]): DevTensor[] {
  const shape = broadcastShape([c.shape, a.shape, b.shape]);
  const body = `${broadcastIndices(shape, [c, a, b])}\nreturn a0[ix0] != 0 ? a1[ix1] : a2[ix2];`;
  return [launch(device, 'where', shape, a.dtype, [c, a, b], body)];
}

export function cast(device: Device, [x]: DevTensor[], { dtype }: KernelAttrs['cast']): DevTensor[] {
  const expr = dtype === 'bool' ? '(v != 0 ? 1.0 : 0.0)' : dtype === 'int32' ? truncExpr('v') : 'v';
  return [launch(device, `cast ${dtype}`, x.shape, dtype, [x], `const v = a0[i];\nreturn ${expr};`)];
}
