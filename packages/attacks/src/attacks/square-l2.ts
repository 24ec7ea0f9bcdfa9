import type { Generator } from '@kwta/core';

/**
 * The L2 Square attack's pieces (Andriushchenko et al. 2020, Sec. 3.2), on one example laid out
 * as [C, H, W]. Windows are rectangles (sh x sw), so flat inputs ([1, 1, D]) work too.
 */

/** Concentric rectangles of weight 1/(k+1)^2 around the centre of an x-by-y patch, unit L2 norm. */
function etaRectangles(x: number, y: number): Float64Array {
  const d = new Float64Array(x * y);
  if (x === 0 || y === 0) return d;
  let r0 = Math.floor(x / 2);
  let c0 = Math.floor(y / 2);
  for (let k = 0; k < Math.max(Math.floor(x / 2) + 1, Math.floor(y / 2) + 1); k++) {
    for (let r = Math.max(r0, 0); r < Math.min(r0 + 2 * k + 1, x); r++) {
      for (let c = Math.max(c0, 0); c < Math.min(c0 + 2 * k + 1, y); c++) d[r * y + c] += 1 / (k + 1) ** 2;
    }
    r0--;
    c0--;
  }
  return unit(d);
}

/** The sh-by-sw pattern: rectangles on the top half, their negatives below; square ones are transposed half the time. */
function eta(sh: number, sw: number, gen: Generator): Float64Array {
  const top = etaRectangles(sh >> 1, sw);
  const bottom = etaRectangles(sh - (sh >> 1), sw);
  const d = new Float64Array(sh * sw);
  d.set(top, 0);
  for (let k = 0; k < bottom.length; k++) d[top.length + k] = -bottom[k];
  unit(d);
  if (sh === sw && gen.uniform() > 0.5) {
    const t = d.slice();
    for (let r = 0; r < sh; r++) for (let c = 0; c < sw; c++) d[r * sw + c] = t[c * sw + r];
  }
  return d;
}

function unit(d: Float64Array): Float64Array {
  let n = 0;
  for (const v of d) n += v * v;
  n = Math.sqrt(n);
  if (n > 0) for (let k = 0; k < d.length; k++) d[k] /= n;
  return d;
}

const sign = (gen: Generator) => (gen.uniform() < 0.5 ? -1 : 1);

/** Offsets of the start tiling along an axis: tiles of side s, centred so that five fit (the paper's grid). */
function tiles(axis: number, s: number): number[] {
  const out: number[] = [];
  for (let at = Math.max(0, Math.floor((axis - 5 * s) / 2)); at + s <= axis; at += s) out.push(at);
  return out;
}

/** The first perturbation: a grid of eta patterns with a random sign per tile and channel, scaled to norm eps. */
export function l2Start(ch: number, h: number, w: number, eps: number, gen: Generator): Float64Array {
  const delta = new Float64Array(ch * h * w);
  const sh = Math.max(1, Math.floor(h / 5));
  const sw = Math.max(1, Math.floor(w / 5));
  for (const top of tiles(h, sh)) {
    for (const left of tiles(w, sw)) {
      const pattern = eta(sh, sw, gen);
      for (let c = 0; c < ch; c++) {
        const s = sign(gen);
        for (let r = 0; r < sh; r++) for (let col = 0; col < sw; col++) delta[(c * h + top + r) * w + left + col] += s * pattern[r * sw + col];
      }
    }
  }
  return scaleTo(delta, eps);
}

function scaleTo(delta: Float64Array, eps: number): Float64Array {
  let n = 0;
  for (const v of delta) n += v * v;
  const f = eps / (Math.sqrt(n) + 1e-12);
  for (let k = 0; k < delta.length; k++) delta[k] *= f;
  return delta;
}

/**
 * One proposal, in place: pick two windows; the first gets a fresh eta pattern plus its old
 * content (renormalised), with the mass of both windows and whatever norm budget is left, the
 * second is emptied; then the whole perturbation is rescaled to norm eps.
 */
export function l2Proposal(delta: Float64Array, ch: number, h: number, w: number, p: number, eps: number, gen: Generator): void {
  let s = Math.max(Math.round(h === 1 ? p * w : Math.sqrt(p * h * w)), 3);
  if (s % 2 === 0) s++;
  const sh = Math.min(s, h);
  const sw = Math.min(s, w);
  const v1 = [gen.int(h - sh + 1), gen.int(w - sw + 1)];
  const v2 = [gen.int(h - sh + 1), gen.int(w - sw + 1)];
  const inWindow = (v: number[], r: number, c: number) => r >= v[0] && r < v[0] + sh && c >= v[1] && c < v[1] + sw;
  let imageSq = 0;
  for (const v of delta) imageSq += v * v;
  const pattern = eta(sh, sw, gen);
  for (let c = 0; c < ch; c++) {
    const at = (r: number, col: number) => (c * h + r) * w + col;
    let w1 = 0;
    let both = 0;
    for (let r = 0; r < h; r++) {
      for (let col = 0; col < w; col++) {
        const v = delta[at(r, col)];
        if (inWindow(v1, r, col)) w1 += v * v;
        if (inWindow(v1, r, col) || inWindow(v2, r, col)) both += v * v;
      }
    }
    const norm1 = Math.sqrt(w1);
    const s0 = sign(gen);
    const fresh = new Float64Array(sh * sw);
    for (let r = 0; r < sh; r++) for (let col = 0; col < sw; col++) fresh[r * sw + col] = s0 * pattern[r * sw + col] + delta[at(v1[0] + r, v1[1] + col)] / (1e-12 + norm1);
    let fn = 0;
    for (const v of fresh) fn += v * v;
    const target = Math.sqrt(Math.max(eps * eps - imageSq, 0) / ch + both);
    const f = target / (1e-12 + Math.sqrt(fn));
    for (let r = 0; r < sh; r++) for (let col = 0; col < sw; col++) delta[at(v2[0] + r, v2[1] + col)] = 0;
    for (let r = 0; r < sh; r++) for (let col = 0; col < sw; col++) delta[at(v1[0] + r, v1[1] + col)] = fresh[r * sw + col] * f;
  }
  scaleTo(delta, eps);
}
