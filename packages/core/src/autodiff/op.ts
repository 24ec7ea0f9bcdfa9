import type { KernelAttrs, KernelName } from '../backend.js';
import { engine } from '../engine.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { GradFunc } from './custom.js';
import { tapeRecipes, type TapeEntry } from './nodes.js';

/**
 * Run a kernel on tensors and, when grad mode is on and an input wants a gradient, record its
 * tape entry (tapeRecipes) on the first output. Every op goes through here: this is the one
 * place the tape is written. `donated`: inputs the op lets the backend overwrite (backend.ts).
 */
export function runOp<K extends KernelName>(kernel: K, inputs: Tensor[], attrs: KernelAttrs[K], donated?: readonly number[]): Tensor[] {
  const outputs = engine.runKernel(kernel, inputs, attrs, donated);
  if (wantsGrad(inputs)) {
    record(tapeRecipes[kernel](inputs, attrs, outputs), outputs[0]);
  }
  return outputs;
}

/** `x` with a new shape on the same storage (no kernel, no copy), recorded as a reshape. */
export function runView(x: Tensor, shape: Shape): Tensor {
  x.storage.refs++;
  const y = engine.makeTensor(x.storage, shape, x.dtype);
  if (wantsGrad([x])) record({ op: 'reshape', inputs: [x], attrs: {} }, y);
  return y;
}

/**
 * A custom op's output (customGrad): `value`, computed with recording off, becomes a 'custom'
 * node whose rule is `gradFunc`. A value that is one of the inputs or already a graph tensor
 * gets its own handle on the same storage, so the node never lands on someone else's tensor.
 */
export function runCustom(name: string, inputs: Tensor[], value: Tensor, gradFunc: GradFunc): Tensor {
  const y = inputs.includes(value) || value.node !== null || value.requiresGrad ? value.detach() : value;
  if (wantsGrad(inputs)) record({ op: 'custom', inputs, attrs: { name, gradFunc } }, y);
  return y;
}

function wantsGrad(inputs: readonly Tensor[]): boolean {
  return engine.gradEnabled && inputs.some((t) => t.requiresGrad);
}

/** Make `y` a node of the define-by-run graph, pointing back at the inputs its gradient flows to. */
function record(e: TapeEntry | null, y: Tensor): void {
  if (!e || !e.inputs.some((t) => t.requiresGrad)) return;
  y.requiresGrad = true;
  y.node = { op: e.op, inputs: e.inputs, attrs: e.attrs, released: false };
}
