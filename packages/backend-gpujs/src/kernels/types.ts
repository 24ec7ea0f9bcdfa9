import type { DType } from '@kwta/core';
import type { Device, DeviceBuffer } from '../device.js';
import { kernelSource, sizeOf } from './codegen.js';

/**
 * A kernel operand or result on the device: flat float32 storage plus its logical shape/dtype.
 * An operand may start `offset` elements into its buffer (a piece of a larger tensor).
 */
export interface DevTensor {
  buf: DeviceBuffer;
  offset?: number;
  shape: number[];
  dtype: DType;
}

/** Every operand read `aK[...]` in a kernel body. */
const OPERAND_READ = /\ba(\d+)\[/g;

/**
 * Launch one generated kernel over every element of `shape`; `body` sees the thread index as
 * `i` and the operands as `a0, a1, ...`. An empty output launches nothing. Operands that start
 * inside their buffer are read through offsets passed as number arguments (`ofs0, ofs1, ...`), so
 * pieces of one shape share one compiled kernel. `numbers` reach the body as `num0, num1, ...`:
 * uniforms, which a shader compiler cannot fold into neighbouring literals (see select.ts).
 */
export function launch(
  device: Device, name: string, shape: readonly number[], dtype: DType, args: readonly DevTensor[], body: string, numbers: readonly number[] = [],
): DevTensor {
  const n = sizeOf(shape);
  if (n === 0) return { buf: device.upload(new Float32Array(0)), shape: [...shape], dtype };
  const offsets = args.map((a) => a.offset ?? 0);
  const shifted = offsets.some((o) => o !== 0);
  const reads = shifted ? body.replace(OPERAND_READ, (_m, k: string) => `a${k}[ofs${k} + `) : body;
  const source = kernelSource(args.length, `const i = this.thread.x;\n${reads}`, shifted, numbers.length);
  return { buf: device.run(name, source, n, args.map((a) => a.buf), [...(shifted ? offsets : []), ...numbers]), shape: [...shape], dtype };
}

/** Round toward zero, as storing into an Int32Array does on the CPU backend. */
export function truncExpr(v: string): string {
  return `(${v} < 0 ? -Math.floor(-(${v})) : Math.floor(${v}))`;
}
