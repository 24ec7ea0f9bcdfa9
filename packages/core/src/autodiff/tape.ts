import { enableGrad, engine, noGrad, withSetting } from '../engine.js';
import { GradientError, fmtShape } from '../errors.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add } from '../ops/elementwise.js';
import { onesLike, zerosLike } from '../ops/creation.js';
import { reshape } from '../ops/layout.js';
import { broadcastsInputs, gradRules, sumToShape, type DiffOp, type GradContext, type OpAttrs } from './rules.js';

/**
 * What the tape remembers about the op that produced a tensor (written by runOp in op.ts): `op`
 * is a `DiffOp` (the key of its rule in gradRules) and `attrs` that op's `OpAttrs`. Typed loosely here because `Tensor` holds
 * nodes and `DiffOp` is derived from the op definitions, whose rules take tensors.
 */
export interface GradNode {
  op: string;
  inputs: Tensor[];
  attrs: unknown;
  released: boolean;
}

/** Tensors reachable from root, inputs before outputs (iterative: deep nets must not overflow). */
function topoSort(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const child = inputs[i];
      if (!visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/** Options of `backward`: whether to keep the graph for another backward pass. */
export interface BackwardOptions {
  /** Keep the graph so backward can run again through it (default false: it is freed). */
  retainGraph?: boolean;
}

/**
 * Reverse pass from `root`. Gradients are computed only along paths that reach a target (all
 * leaves with requiresGrad when `targets` is null), so d(loss)/d(input) skips weight gradients.
 * Every gradient a rule returns is checked against its input's shape and dtype.
 */
function runBackward(root: Tensor, seed: Tensor | undefined, targets: Set<Tensor> | null, opts: BackwardOptions): Map<Tensor, Tensor> {
  if (root.node?.released) throw new GradientError('backward: the graph through this tensor was already freed by an earlier backward (pass { retainGraph: true })');
  if (!root.requiresGrad) {
    throw new GradientError(`backward: ${root.describe()} does not require grad (no input had requiresGrad, or it was computed under noGrad)`);
  }
  if (seed && !shapesEqual(seed.shape, root.shape)) {
    throw new GradientError(`backward: seed ${seed.describe()} does not match ${root.describe()}`);
  }
  const order = topoSort(root);
  const isTarget = (t: Tensor) => (targets ? targets.has(t) : t.node === null && t.requiresGrad);
  const needed = new Set<Tensor>();
  for (const t of order) {
    if (isTarget(t) || (t.node && t.node.inputs.some((i) => needed.has(i)))) needed.add(t);
  }
  const grads = new Map<Tensor, Tensor>();
  const ctx: GradContext = { isTarget };
  noGrad(() => {
    grads.set(root, seed ? reshape(seed, seed.shape) : onesLike(root));
    for (let n = order.length - 1; n >= 0; n--) {
      const t = order[n];
      const g = grads.get(t);
      const node = t.node;
      if (!g || !node || !needed.has(t)) continue;
      if (node.released) throw new GradientError(`backward: graph through '${node.op}' was already freed (pass { retainGraph: true })`);
      const needs = node.inputs.map((i) => needed.has(i));
      const label = opLabel(node);
      const rule = gradRules()[node.op as DiffOp] as (dy: Tensor, x: Tensor[], y: Tensor, a: unknown, needs: boolean[], ctx: GradContext) => (Tensor | null)[];
      const results = withSetting('backwardOf', node.op, () => rule(g, node.inputs, t, node.attrs, needs, ctx));
      const placed = new Set<Tensor>();
      node.inputs.forEach((input, i) => {
        if (!needs[i]) return;
        let r = results[i];
        if (!r) throw new GradientError(`${label}: gradient rule returned nothing for input ${i} ${input.describe()}`);
        r = checkGrad(node.op, label, i, input, r);
        if (placed.has(r) || r === g) r = reshape(r, r.shape); // own handle: the map disposes it
        placed.add(r);
        const prev = grads.get(input);
        if (prev) {
          grads.set(input, add(prev, r));
          prev.dispose();
          r.dispose();
        } else grads.set(input, r);
      });
      if (!isTarget(t)) {
        grads.delete(t);
        g.dispose();
      }
    }
  });
  if (!opts.retainGraph) {
    for (const t of order) if (t.node) t.node.released = true;
  }
  return grads;
}

/** How errors name a node's op: its DiffOp, or a customGrad op's own name. */
function opLabel(node: GradNode): string {
  return node.op === 'custom' ? `custom op '${(node.attrs as OpAttrs['custom']).name}'` : node.op;
}

function checkGrad(op: string, label: string, i: number, input: Tensor, g: Tensor): Tensor {
  let r = g;
  if (broadcastsInputs(op as DiffOp) && !shapesEqual(g.shape, input.shape)) r = sumToShape(g, input.shape);
  if (!shapesEqual(r.shape, input.shape)) {
    throw new GradientError(`${label}: gradient for input ${i} has shape ${fmtShape(g.shape)}, expected ${fmtShape(input.shape)}`);
  }
  if (r.dtype !== input.dtype) {
    throw new GradientError(`${label}: gradient for input ${i} is ${r.dtype}, expected ${input.dtype}`);
  }
  return r;
}

/** loss.backward(): accumulate d(root)/d(leaf) into `.grad` of every leaf with requiresGrad. */
export function backward(root: Tensor, seed?: Tensor, opts: BackwardOptions = {}): void {
  const grads = runBackward(root, seed, null, opts);
  for (const [leaf, g] of grads) {
    if (leaf.node !== null) continue;
    if (leaf.grad) {
      const sum = noGrad(() => add(leaf.grad!, g));
      leaf.grad.dispose();
      g.dispose();
      leaf.grad = sum;
    } else leaf.grad = g;
    engine.keep(leaf.grad);
  }
}

/**
 * d(root)/d(wrt) for tensors already in root's graph (they must have had requiresGrad when the
 * graph was built). Targets root does not depend on get zeros.
 */
export function gradients(root: Tensor, wrt: readonly Tensor[], opts: BackwardOptions & { seed?: Tensor } = {}): Tensor[] {
  const grads = runBackward(root, opts.seed, new Set(wrt), opts);
  return wrt.map((t) => grads.get(t) ?? noGrad(() => zerosLike(t)));
}

/**
 * Functional gradient: `valueAndGrad(f)(...args)` runs f on fresh leaves made from the chosen
 * arguments (all by default) and returns f's value and its gradient with respect to each of
 * them. Only the paths to those arguments are differentiated. A non-scalar value is summed.
 */
export function valueAndGrad<A extends Tensor[]>(f: (...args: A) => Tensor, argnums?: readonly number[]) {
  return (...args: A): { value: Tensor; grads: Tensor[] } => {
    const chosen = argnums ?? args.map((_, i) => i);
    for (const i of chosen) {
      if (!args[i]) throw new GradientError(`valueAndGrad: argument ${i} was not passed`);
    }
    const leaves = args.map((a, i) => (chosen.includes(i) ? a.detach().requireGrad() : a)) as A;
    const value = enableGrad(() => f(...leaves));
    const targets = chosen.map((i) => leaves[i]);
    const grads = value.requiresGrad ? gradients(value, targets) : targets.map((t) => noGrad(() => zerosLike(t)));
    for (const i of chosen) leaves[i].dispose();
    return { value, grads };
  };
}

/** Like valueAndGrad but returns only the gradients. */
export function grad<A extends Tensor[]>(f: (...args: A) => Tensor, argnums?: readonly number[]) {
  const vg = valueAndGrad(f, argnums);
  return (...args: A): Tensor[] => {
    const { value, grads } = vg(...args);
    value.dispose();
    return grads;
  };
}
