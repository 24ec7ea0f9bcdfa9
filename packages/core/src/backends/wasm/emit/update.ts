import { FnBuilder, type Local } from './builder.js';
import { streamLoop } from './elementwise.js';

/**
 * The SGD update kernels, one per combination of what a step does (so no test runs per element):
 * weight decay or not, momentum none / first step (the buffer starts as the gradient) / later,
 * Nesterov or not. Each is bit for bit the composed ops of backends/cpu/update.ts: every f32x4
 * operation rounds as the elementwise op it replaces.
 */
export interface SgdVariant {
  decay: boolean;
  momentum: 'none' | 'first' | 'later';
  nesterov: boolean;
}

export const SGD_VARIANTS: readonly SgdVariant[] = [false, true].flatMap((decay) => [
  { decay, momentum: 'none' as const, nesterov: false },
  ...(['first', 'later'] as const).flatMap((momentum) => [false, true].map((nesterov) => ({ decay, momentum, nesterov }))),
]);

export const sgdKernelName = (v: SgdVariant) => `sgd_${v.decay ? 'wd_' : ''}${v.momentum}${v.nesterov ? '_nesterov' : ''}` as const;
export type SgdKernelName = ReturnType<typeof sgdKernelName>;
export const SGD_KERNELS: readonly SgdKernelName[] = SGD_VARIANTS.map(sgdKernelName);

/**
 * sgd_<variant>(p, g, b, outP, outB, n, scalars): over n floats, with the f32 scalars
 * [lr, momentum, 1 − dampening, weightDecay] at `scalars`:
 *   g ← g + wd·p;  b' ← g (first) or μ·b + (1 − d)·g;  g ← g + μ·b' (Nesterov) or b';  p' ← p − lr·g.
 * b is read only by 'later', outB written only with momentum.
 */
export function emitSgd(v: SgdVariant): FnBuilder {
  const f = FnBuilder.i32Params(sgdKernelName(v), 7);
  const [p, g, b, outP, outB, n, scalars] = [0, 1, 2, 3, 4, 5, 6];
  const [lr, mu, keep, wd] = [f.v128(), f.v128(), f.v128(), f.v128()];
  const [slr, smu, skeep, swd] = [f.f32(), f.f32(), f.f32(), f.f32()];
  [[lr, slr], [mu, smu], [keep, skeep], [wd, swd]].forEach(([vec, s], i) => f.get(scalars).f32load(4 * i).tee(s).f32x4splat().set(vec));
  const momentum = v.momentum !== 'none';
  const pointers = [p, g, outP, ...(momentum ? [outB] : []), ...(v.momentum === 'later' ? [b] : [])];
  // One body for both widths: f32x4 instructions and locals for the vector loop, f32 for the tail.
  const body = (vector: boolean) => {
    const [gv, bv] = vector ? [f.v128(), f.v128()] : [f.f32(), f.f32()];
    const load = (ptr: Local) => (vector ? f.get(ptr).v128load() : f.get(ptr).f32load());
    const mul = () => (vector ? f.f32x4mul() : f.f32mul());
    const add = () => (vector ? f.f32x4add() : f.f32add());
    const c = (vec: Local, s: Local) => f.get(vector ? vec : s);
    load(g).set(gv);
    if (v.decay) {
      f.get(gv);
      load(p);
      c(wd, swd);
      mul();
      add().set(gv);
    }
    if (momentum) {
      if (v.momentum === 'first') f.get(gv).set(bv);
      else {
        load(b);
        c(mu, smu);
        mul().get(gv);
        c(keep, skeep);
        mul();
        add().set(bv);
      }
      f.get(outB).get(bv);
      if (vector) f.v128store();
      else f.f32store();
      if (v.nesterov) {
        f.get(gv).get(bv);
        c(mu, smu);
        mul();
        add().set(gv);
      } else f.get(bv).set(gv);
    }
    f.get(outP);
    load(p);
    f.get(gv);
    c(lr, slr);
    mul();
    if (vector) f.f32x4sub().v128store();
    else f.f32sub().f32store();
  };
  streamLoop(f, n, pointers, () => body(true), () => body(false));
  return f;
}
