import type { Backend, TensorInfo } from './backend.js';
import { isFloat } from './dtype.js';
import { AnomalyError, fmtShape } from './errors.js';
import { unravel } from './shape.js';

/**
 * Anomaly mode (as torch.autograd.detect_anomaly): after every kernel the engine runs, read its
 * float outputs back and refuse the first non-finite value, naming the kernel (with its op), the
 * element, the shapes, whether an input already held such a value, and in the backward pass the
 * op whose gradient rule ran the kernel. Opt-in: it reads every output back to the host.
 */
export function checkFiniteOutputs(kernel: string, attrs: unknown, backend: Backend, inputs: readonly TensorInfo[], outputs: readonly TensorInfo[], backwardOf: string | null): void {
  for (const out of outputs) {
    if (!isFloat(out.dtype)) continue;
    const values = backend.read(out.dataId);
    const bad = firstNonFinite(values);
    if (bad < 0) continue;
    const op = `${kernel}${typeof (attrs as { op?: unknown }).op === 'string' ? ` ${(attrs as { op: string }).op}` : ''}`;
    const cause = inputs
      .map((t, i) => {
        const v = isFloat(t.dtype) ? backend.read(t.dataId) : [];
        const at = firstNonFinite(v);
        return { t, i, at, value: v[at] };
      })
      .find((x) => x.at >= 0);
    const from = cause
      ? `; input ${cause.i} ${fmtShape(cause.t.shape)} already held ${cause.value} at index ${fmtShape(unravel(cause.at, cause.t.shape))}`
      : `, from finite inputs ${inputs.map((t) => fmtShape(t.shape)).join(', ')}`;
    for (const o of outputs) backend.free(o.dataId);
    throw new AnomalyError(
      `anomaly: ${op} produced ${values[bad]} at index ${fmtShape(unravel(bad, out.shape))} of its ${out.dtype} output ${fmtShape(out.shape)}${from}${backwardOf ? ` (in the backward pass of ${backwardOf})` : ''}`,
    );
  }
}

function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}
