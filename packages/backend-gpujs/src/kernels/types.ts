import type { DType } from '@kwta/core';
import type { Device, DeviceBuffer } from '../device.js';
import { kernelSource, sizeOf } from './codegen.js';

/** A kernel operand or result on the device: flat float32 storage plus its logical shape/dtype. */
export interface DevTensor {
  buf: DeviceBuffer;
  shape: number[];
  dtype: DType;
}

/**
 * Launch one generated kernel over every element of `shape`; `body` sees the thread index as
 * `i` and the operands as `a0, a1, ...`. An empty output launches nothing.
 */
export function launch(device: Device, name: string, shape: readonly number[], dtype: DType, args: readonly DevTensor[], body: string): DevTensor {
  const n = sizeOf(shape);
  if (n === 0) return { buf: device.upload(new Float32Array(0)), shape: [...shape], dtype };
  const source = kernelSource(args.length, `const i = this.thread.x;\n${body}`);
  return { buf: device.run(name, source, n, args.map((a) => ({ buf: a.buf, size: sizeOf(a.shape) }))), shape: [...shape], dtype };
}

/** Round toward zero, as storing into an Int32Array does on the CPU backend. */
export function truncExpr(v: string): string {
  return `(${v} < 0 ? -Math.floor(-(${v})) : Math.floor(${v}))`;
}
