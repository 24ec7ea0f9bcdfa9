import {
  Generator, add, kWinners, matmul, relu, tensor, zeros, type Tensor,
} from '@kwta/core';

export type Activation = { kind: 'relu' } | { kind: 'kwta'; gamma: number };

/** A plain multi-layer perceptron on core ops (the experiments' smallest model). */
export class Mlp {
  readonly params: Tensor[] = [];

  constructor(readonly sizes: number[], readonly activation: Activation, gen: Generator, dtype: 'float32' | 'float64' = 'float64') {
    for (let i = 0; i + 1 < sizes.length; i++) {
      const bound = 1 / Math.sqrt(sizes[i]); // PyTorch's default Linear init range
      const w = Float64Array.from({ length: sizes[i] * sizes[i + 1] }, () => (gen.uniform() * 2 - 1) * bound);
      const b = Float64Array.from({ length: sizes[i + 1] }, () => (gen.uniform() * 2 - 1) * bound);
      this.params.push(tensor(w, [sizes[i], sizes[i + 1]], dtype).requireGrad().keep());
      this.params.push(tensor(b, [sizes[i + 1]], dtype).requireGrad().keep());
    }
  }

  /** k for a hidden layer of width n; the paper's k = floor(gamma * N). */
  k(n: number): number {
    if (this.activation.kind !== 'kwta') throw new Error('k() is only defined for k-WTA');
    return Math.max(1, Math.floor(this.activation.gamma * n));
  }

  forward(x: Tensor): Tensor {
    let h = x;
    const layers = this.params.length / 2;
    for (let l = 0; l < layers; l++) {
      h = add(matmul(h, this.params[2 * l]), this.params[2 * l + 1]);
      if (l < layers - 1) h = this.activation.kind === 'relu' ? relu(h) : kWinners(h, this.k(h.shape[1]));
    }
    return h;
  }
}

/** Adam (Kingma & Ba) over a parameter list; state kept across tidy scopes. */
export class Adam {
  private m: Tensor[];
  private v: Tensor[];
  private t = 0;

  constructor(private params: Tensor[], private lr = 1e-3, private b1 = 0.9, private b2 = 0.999, private eps = 1e-8) {
    this.m = params.map((p) => zeros(p.shape, p.dtype).keep());
    this.v = params.map((p) => zeros(p.shape, p.dtype).keep());
  }

  step(): void {
    this.t++;
    const c1 = 1 - this.b1 ** this.t, c2 = 1 - this.b2 ** this.t;
    this.params.forEach((p, i) => {
      const g = p.grad;
      if (!g) return;
      const m = this.m[i].mul(this.b1).add(g.mul(1 - this.b1));
      const v = this.v[i].mul(this.b2).add(g.mul(g).mul(1 - this.b2));
      this.m[i].assign(m);
      this.v[i].assign(v);
      p.assign(p.sub(m.div(c1).div(v.div(c2).sqrt().add(this.eps)).mul(this.lr)));
      p.zeroGrad();
    });
  }
}
