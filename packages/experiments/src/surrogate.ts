import { reshape, type Tensor } from '@kwta/core';
import { kwtaStraightThrough, type Classifier, type KwtaSurrogateOptions } from '@kwta/attacks';
import { KWTA, KWTAChannel, KWTAFixedK, kFromGamma, type Module } from '@kwta/nn';

/**
 * A BPDA surrogate of an nn model: the same module and weights, but while the surrogate runs,
 * every k-WTA layer computes its exact forward with a smooth (sigmoid-gated) backward
 * (`kwtaStraightThrough`). Outside the surrogate's forward the model is untouched.
 */
export function kwtaBpdaSurrogate(model: Module, opts: KwtaSurrogateOptions = {}): Classifier {
  const layers = model.modules().filter((m) => m instanceof KWTA || m instanceof KWTAChannel || m instanceof KWTAFixedK);
  const smoothForward = (m: Module) => (x: Tensor): Tensor => {
    if (m instanceof KWTAChannel) {
      const [n, c] = x.shape;
      const spatial = x.size / (n * c);
      const rows = reshape(x, [n * c, spatial]);
      return reshape(kwtaStraightThrough(rows, kFromGamma('KWTAChannel', m.gamma, spatial, 'channel'), opts), x.shape);
    }
    const n = x.size / x.shape[0];
    const k = m instanceof KWTAFixedK ? m.opts.k : kFromGamma('KWTA', (m as KWTA).gamma, n, 'sample');
    return kwtaStraightThrough(x, k, opts);
  };
  return {
    forward(x: Tensor): Tensor {
      // Own-property overrides shadow the prototype's forward; deleting them restores it.
      const patched = layers as (Module & { forward: (x: Tensor) => Tensor })[];
      for (const m of patched) m.forward = smoothForward(m);
      try {
        return model.forward(x);
      } finally {
        for (const m of patched) delete (m as Partial<typeof m>).forward;
      }
    },
  };
}
