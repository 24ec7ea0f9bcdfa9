/**
 * Helpers that write kernel source text. Every shape and stride is baked into the source as a
 * literal, so one compiled kernel serves exactly one (op, shape) and the cache key is the text.
 */

// The shape helpers are core's own; kernels here import them through this module.
export { alignedStrides, sizeOf, stridesOf } from '@kwta/core';

/**
 * Lines that split flat index `flat` over `shape` into variables `${p}0..${p}{r-1}`. Axes of
 * extent 1 are constant 0 and cost nothing.
 */
export function unravel(flat: string, shape: readonly number[], p: string): string {
  const lines: string[] = [`let ${p}r = ${flat};`];
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] === 1) lines.push(`const ${p}${d} = 0;`);
    else if (d === 0) lines.push(`const ${p}${d} = ${p}r;`);
    else {
      lines.push(`const ${p}${d} = ${p}r - Math.floor(${p}r / ${shape[d]}) * ${shape[d]};`);
      lines.push(`${p}r = Math.floor(${p}r / ${shape[d]});`);
    }
  }
  return lines.join('\n');
}

/** A sliding window over the two trailing axes: a convolution's or a pool's (dilation 1). */
export interface Window {
  H: number; W: number; OH: number; OW: number;
  KH: number; KW: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
}

/**
 * Lines running `inner` for every tap (ki, kj) of output pixel (`oh`, `ow`)'s window that lies
 * inside the input, with the input pixel in `ih`, `iw` (padding taps are skipped).
 */
export function windowTaps(g: Window, oh: string, ow: string, inner: string[]): string[] {
  return [
    `for (let ki = 0; ki < ${g.KH}; ki++) {`,
    `  const ih = ${oh} * ${g.sh} - ${g.ph} + ki * ${g.dh};`,
    `  if (ih >= 0 && ih < ${g.H}) {`,
    `    for (let kj = 0; kj < ${g.KW}; kj++) {`,
    `      const iw = ${ow} * ${g.sw} - ${g.pw} + kj * ${g.dw};`,
    `      if (iw >= 0 && iw < ${g.W}) {`,
    ...inner.map((l) => `        ${l}`),
    '      }',
    '    }',
    '  }',
    '}',
  ];
}

/**
 * The gather form of a window's adjoint: lines running `inner` for every window that covers
 * input pixel (`h`, `w`), with its output pixel in `oh`, `ow` and the covering tap in (ki, kj):
 * oh * sh - ph + ki * dh = h must hold exactly, so oh = (h + ph - ki * dh) / sh when it divides.
 */
export function coveringWindows(g: Window, h: string, w: string, inner: string[]): string[] {
  return [
    `for (let ki = 0; ki < ${g.KH}; ki++) {`,
    `  const th = ${h} + ${g.ph} - ki * ${g.dh};`,
    `  const oh = Math.floor(th / ${g.sh});`,
    `  if (th >= 0 && oh * ${g.sh} == th && oh < ${g.OH}) {`,
    `    for (let kj = 0; kj < ${g.KW}; kj++) {`,
    `      const tw = ${w} + ${g.pw} - kj * ${g.dw};`,
    `      const ow = Math.floor(tw / ${g.sw});`,
    `      if (tw >= 0 && ow * ${g.sw} == tw && ow < ${g.OW}) {`,
    ...inner.map((l) => `        ${l}`),
    '      }',
    '    }',
    '  }',
    '}',
  ];
}

/** `p0 * s0 + p1 * s1 + ...` skipping zero strides (or "0"). */
export function dot(p: string, strides: readonly number[], base = ''): string {
  const terms = strides.flatMap((s, d) => (s === 0 ? [] : [s === 1 ? `${p}${d}` : `${p}${d} * ${s}`]));
  if (base) terms.unshift(base);
  return terms.length ? terms.join(' + ') : '0';
}

/**
 * A kernel source: `function (a0, a1, ...) { body }`, with offsets `ofs0, ofs1, ...` after the
 * operands if asked, then `nNumbers` number parameters `num0, num1, ...`.
 */
export function kernelSource(nArgs: number, body: string, withOffsets = false, nNumbers = 0): string {
  const names = (p: string, n = nArgs) => Array.from({ length: n }, (_, i) => `${p}${i}`);
  const args = [...names('a'), ...(withOffsets ? names('ofs') : []), ...names('num', nNumbers)].join(', ');
  return `function (${args}) {\n${body}\n}`;
}

/** Float literal that gpu.js cannot mistake for an integer. */
export function f(v: number): string {
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return Number.isInteger(v) ? `${v}.0` : `${v}`;
}
