import { Generator, mul, noGrad, sum, tensor, tidy, type Tensor } from '@kwta/core';

/** Values in random order at least `gap` apart: no ties for k-WTA, LWTA, max or sorting. */
export function distinctValues(gen: Generator, n: number, gap = 0.05): Float64Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  gen.shuffle(order);
  return Float64Array.from(order, (r) => (r - n / 2) * gap + 0.2 * gap * gen.uniform());
}

export function uniformValues(gen: Generator, n: number, lo = -1, hi = 1): Float64Array {
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * gen.uniform());
}

/**
 * Compare the tape's gradient of sum(f(inputs, params) · R) (R a fixed random projection) with
 * central finite differences in float64, for every element of every input and of every tensor
 * in `params` (module parameters, perturbed in place through `assign`). Returns the worst
 * error |analytic − numeric| / (1 + |numeric|) and where it happened.
 */
export function gradcheck(
  f: (...xs: Tensor[]) => Tensor,
  inputs: { values: Float64Array; shape: number[] }[],
  params: [string, Tensor][],
  seed: number,
  h = 1e-6,
): { maxError: number; worst: string } {
  const gen = new Generator(seed);
  return tidy(() => {
    const xs = inputs.map((i) => tensor(i.values, i.shape, 'float64').requireGrad());
    const probe = noGrad(() => f(...xs));
    const R = tensor(uniformValues(gen, probe.size), probe.shape, 'float64');
    const loss = (args: Tensor[]) => sum(mul(f(...args), R));
    for (const [, p] of params) p.zeroGrad();
    loss(xs).backward();
    const analytic = [...xs.map((x, i) => [`input ${i}`, x.grad!] as const), ...params.map(([n, p]) => [n, p.grad!] as const)].map(
      ([n, g]) => [n, g ? g.dataSync() : null] as const,
    );
    const at = (args: Tensor[]) => noGrad(() => tidy(() => loss(args).item()));
    let maxError = 0;
    let worst = 'none';
    const record = (name: string, j: number, a: number, numeric: number) => {
      const err = Math.abs(a - numeric) / (1 + Math.abs(numeric));
      if (!(err <= maxError)) {
        maxError = Number.isNaN(err) ? Infinity : err;
        worst = `${name} element ${j}: analytic ${a}, numeric ${numeric}`;
      }
    };
    inputs.forEach((input, i) => {
      const g = analytic[i][1];
      for (let j = 0; j < input.values.length; j++) {
        const shifted = (d: number) => {
          const v = Float64Array.from(input.values);
          v[j] += d;
          return at(xs.map((x, k) => (k === i ? tensor(v, input.shape, 'float64') : x)));
        };
        record(`input ${i}`, j, g ? g[j] : 0, (shifted(h) - shifted(-h)) / (2 * h));
      }
    });
    params.forEach(([name, p], pi) => {
      const g = analytic[inputs.length + pi][1];
      const base = Float64Array.from(p.dataSync());
      for (let j = 0; j < base.length; j++) {
        const shifted = (d: number) => {
          const v = Float64Array.from(base);
          v[j] += d;
          noGrad(() => tidy(() => p.assign(tensor(v, p.shape, 'float64'))));
          return at(xs);
        };
        const numeric = (shifted(h) - shifted(-h)) / (2 * h);
        noGrad(() => tidy(() => p.assign(tensor(base, p.shape, 'float64'))));
        record(name, j, g ? g[j] : 0, numeric);
      }
    });
    for (const [, p] of params) p.zeroGrad();
    return { maxError, worst };
  });
}
