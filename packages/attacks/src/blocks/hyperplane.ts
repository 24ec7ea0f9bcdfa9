import type { Norm } from '../threat.js';

/**
 * FAB's projection (Croce & Hein 2020b, Sec. 3.1): the smallest d in the norm with
 * w . (t + d) = b and t + d inside the box [lo, hi], written to out. When the hyperplane does not
 * meet the box, d goes to the box corner that gets closest to it. All three norms move each
 * coordinate against its weight's sign (towards the hyperplane), capped by the box; they differ
 * in how much each coordinate moves:
 * - L-inf: every coordinate by the same amount delta (or its cap), the smallest delta that reaches;
 * - L2: coordinate j by lambda * |w_j| (or its cap), the smallest lambda that reaches;
 * - L1: the coordinates with the largest |w_j| first, each fully, the last one partly.
 */
export function hyperplaneProjection(t: ArrayLike<number>, w: ArrayLike<number>, b: number, lo: number, hi: number, norm: Norm, out: Float64Array): void {
  const n = t.length;
  let c = -b;
  for (let j = 0; j < n; j++) c += w[j] * t[j];
  // Work on the side where w.t - b >= 0: then the move must lower w.(t + d) by c.
  const flip = c < 0 ? -1 : 1;
  c *= flip;
  const mag = new Float64Array(n);
  const cap = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const wj = w[j] * flip;
    mag[j] = Math.abs(wj);
    cap[j] = wj > 0 ? t[j] - lo : wj < 0 ? hi - t[j] : 0;
  }
  // amount[j] >= 0: how far coordinate j moves, against the sign of its (flipped) weight.
  const amount = norm === 'l1' ? l1Amounts(mag, cap, c) : sweptAmounts(mag, cap, c, norm === 'l2');
  for (let j = 0; j < n; j++) out[j] = mag[j] === 0 ? 0 : -Math.sign(w[j] * flip) * amount[j];
}

/**
 * L-inf and L2: coordinate j moves min(s * rate_j, cap_j) for a common s >= 0 (rate 1 for L-inf,
 * |w_j| for L2); the progress sum_j |w_j| min(s rate_j, cap_j) is piecewise linear in s with a
 * breakpoint where each coordinate reaches its cap. Sweep the breakpoints in order to find the
 * smallest s whose progress is c; if even every cap falls short, all coordinates go to their caps.
 */
function sweptAmounts(mag: Float64Array, cap: Float64Array, c: number, l2: boolean): Float64Array {
  const n = mag.length;
  const rate = (j: number) => (l2 ? mag[j] : 1);
  const order = [...Array(n).keys()].filter((j) => mag[j] > 0 && cap[j] > 0).sort((p, q) => cap[p] / rate(p) - cap[q] / rate(q));
  let slope = 0;
  for (const j of order) slope += mag[j] * rate(j);
  let s = Infinity;
  let progress = 0;
  let at = 0;
  for (const j of order) {
    const next = cap[j] / rate(j);
    const gained = progress + slope * (next - at);
    if (gained >= c) {
      s = at + (c - progress) / slope;
      break;
    }
    progress = gained;
    at = next;
    slope -= mag[j] * rate(j);
  }
  if (c <= 0) s = 0;
  return Float64Array.from(mag, (m, j) => (m === 0 ? 0 : Math.min(s * rate(j), cap[j])));
}

/** L1: the steepest coordinates first, each up to its cap, until the progress c is made. */
function l1Amounts(mag: Float64Array, cap: Float64Array, c: number): Float64Array {
  const out = new Float64Array(mag.length);
  const order = [...Array(mag.length).keys()].filter((j) => mag[j] > 0 && cap[j] > 0).sort((p, q) => mag[q] - mag[p]);
  let need = c;
  for (const j of order) {
    if (need <= 0) break;
    out[j] = Math.min(cap[j], need / mag[j]);
    need -= out[j] * mag[j];
  }
  return out;
}
