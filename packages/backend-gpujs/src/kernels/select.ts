import { ValueError } from '@kwta/core';
import type { Device } from '../device.js';
import { launch, type DevTensor } from './types.js';

/**
 * Exact k-largest selection per row as a gpu.js kernel pipeline (radix select).
 *
 * 1. keys: every float maps to an order-preserving 32-bit key U, held as two exact 16-bit halves
 *    (hi, lo) computed with exact float arithmetic only (multiplying by powers of two), since
 *    gpu.js kernels have no bit casts. -0 and +0 share a key, as they compare equal; NaN gets
 *    hi = -1 and is reported.
 * 2. eight passes, one 4-bit digit each (hi then lo): per-chunk digit histograms of the elements
 *    still matching the row's prefix (rows x chunks x 16 threads, each scanning one chunk of
 *    CHUNK elements), a reduction over chunks, then one tiny kernel per row that picks the digit
 *    holding the k-th largest and updates (prefix, winners still needed).
 * 3. the prefix is now the k-th largest key T and `quota` the number of elements equal to T that
 *    win. Per-chunk counts of T and their exclusive prefix give each tied element its rank among
 *    ties, so ties go to the lower index and exactly k win.
 * Histograms are gather-style (gpu.js has no atomics): each (row, chunk) gets 6 threads that
 * each count 3 digits (packed into one float), so an element is read 6 times per pass; 3 launches
 * per pass.
 */
export const CHUNK = 128;
const RADIX = 16;
const PASSES = 8;

const POW2 = (e: number) => `${2 ** e}.0`;

/** 2^126 and 2^23: a denormal times both is its 23-bit mantissa (keySource). */
const DENORMAL_SCALE = [2 ** 126, 2 ** 23];

/** Exponent search by exact power-of-two steps: x ends in [1, 2) with x * 2^e = a. */
function exponentSearch(): string {
  const up = [64, 32, 16, 8, 4, 2, 1].map((s) => `if (x >= ${s > 32 ? `${POW2(32)} * ${POW2(s - 32)}` : POW2(s)}) { x = x * ${s > 32 ? `${2 ** -32} * ${2 ** -(s - 32)}` : `${2 ** -s}`}; e = e + ${s}.0; }`);
  const down = [64, 32, 16, 8, 4, 2, 1].map((s) => `if (x < ${2 ** (1 - s)}) { x = x * ${s > 32 ? `${POW2(32)} * ${POW2(s - 32)}` : POW2(s)}; e = e - ${s}.0; }`);
  return `if (x >= 1.0) {\n${up.join('\n')}\n} else {\n${down.join('\n')}\n}`;
}

function keySource(half: 'hi' | 'lo'): string {
  return [
    'const v = a0[i];',
    'const a = Math.abs(v);',
    'let E = 0.0;',
    'let M = 0.0;',
    'let bad = 0.0;',
    'if (!(a >= 0.0)) { bad = 1.0; }',
    'else if (a > 3.4028234663852886e38) { E = 255.0; }',
    // Denormals: M = a * 2^149 in two steps, by uniforms (num0 = 2^126, num1 = 2^23). As literals
    // a shader compiler may fold them into one constant, 2^149, which overflows: 0 * inf = NaN.
    'else if (a < 1.1754943508222875e-38) { M = a * num0 * num1; }',
    'else {',
    '  let x = a;',
    '  let e = 0.0;',
    exponentSearch(),
    '  E = e + 127.0;',
    '  M = (x - 1.0) * 8388608.0;',
    '}',
    'const mh = Math.floor(M / 65536.0);',
    'const ml = M - mh * 65536.0;',
    'const ph = E * 128.0 + mh;',
    'if (bad > 0.0) { return -1.0; }',
    half === 'hi' ? 'if (v < 0.0) { return 32767.0 - ph; }\nreturn 32768.0 + ph;' : 'if (v < 0.0) { return 65535.0 - ml; }\nreturn ml;',
  ].join('\n');
}

interface Geometry {
  rows: number;
  n: number;
  chunks: number;
}

/**
 * Digit counts of one chunk, three digits per thread: a chunk holds at most CHUNK = 128 elements,
 * so three 8-bit counts pack exactly into one float32 (c0 + 256 c1 + 65536 c2 < 2^24). Six
 * threads per (row, chunk) instead of sixteen: each element is read 6 times per pass, not 16.
 */
const PER_THREAD = 3;
const GROUPS = Math.ceil(RADIX / PER_THREAD);

/**
 * Lines running `inner` for each element j of chunk c of row r (those variables set by the
 * caller), with its key's high and low halves in `h` and `l` (a0, a1).
 */
function chunkElements(g: Geometry, inner: string[]): string[] {
  return [
    `for (let q = 0; q < ${CHUNK}; q++) {`,
    `  const j = c * ${CHUNK} + q;`,
    `  if (j < ${g.n}) {`,
    `    const h = a0[r * ${g.n} + j];`,
    `    const l = a1[r * ${g.n} + j];`,
    ...inner.map((line) => `    ${line}`),
    '  }',
    '}',
  ];
}

function countSource(g: Geometry, pass: number): string {
  const hiPass = pass < PASSES / 2;
  const shift = 12 - 4 * (pass % 4);
  const d0 = POW2(shift), d1 = POW2(shift + 4);
  const key = hiPass ? 'h' : 'l';
  const prefixMatch = hiPass
    ? `Math.floor(h / ${d1}) == p0`
    : `h == p0 && Math.floor(l / ${d1}) == p1`;
  return [
    `const grp = i - Math.floor(i / ${GROUPS}) * ${GROUPS};`,
    `const t = Math.floor(i / ${GROUPS});`,
    `const c = t - Math.floor(t / ${g.chunks}) * ${g.chunks};`,
    `const r = Math.floor(t / ${g.chunks});`,
    `const first = grp * ${PER_THREAD}.0;`,
    'const p0 = a2[r * 3];',
    'const p1 = a2[r * 3 + 1];',
    'let cnt = 0.0;',
    ...chunkElements(g, [
      `if (${prefixMatch}) {`,
      `  const dg = Math.floor(${key} / ${d0}) - Math.floor(${key} / ${d1}) * ${RADIX}.0 - first;`,
      '  if (dg == 0.0) { cnt = cnt + 1.0; }',
      '  if (dg == 1.0) { cnt = cnt + 256.0; }',
      '  if (dg == 2.0) { cnt = cnt + 65536.0; }',
      '}',
    ]),
    'return cnt;',
  ].join('\n');
}

function reduceSource(g: Geometry): string {
  return [
    `const r = Math.floor(i / ${RADIX});`,
    `const b = i - r * ${RADIX};`,
    `const grp = Math.floor(b / ${PER_THREAD});`,
    `const slot = b - grp * ${PER_THREAD};`,
    'const unit = slot == 0 ? 1.0 : (slot == 1 ? 256.0 : 65536.0);',
    'let s = 0.0;',
    `for (let c = 0; c < ${g.chunks}; c++) {`,
    `  const packed = a0[(r * ${g.chunks} + c) * ${GROUPS} + grp];`,
    '  const above = Math.floor(packed / unit);',
    '  s = s + above - Math.floor(above / 256.0) * 256.0;',
    '}',
    'return s;',
  ].join('\n');
}

function stateSource(pass: number): string {
  const hiPass = pass < PASSES / 2;
  return [
    'const r = Math.floor(i / 3);',
    'const fld = i - r * 3;',
    'const p0 = a0[r * 3];',
    'const p1 = a0[r * 3 + 1];',
    'const kr = a0[r * 3 + 2];',
    'let cum = 0.0;',
    'let chosen = 0.0;',
    'let newK = kr;',
    'let found = 0.0;',
    `for (let q = 0; q < ${RADIX}; q++) {`,
    `  const b = ${RADIX - 1}.0 - q;`,
    `  const t = a1[r * ${RADIX} + b];`,
    '  if (found == 0.0 && cum + t >= kr) { chosen = b; newK = kr - cum; found = 1.0; }',
    '  cum = cum + t;',
    '}',
    `if (fld == 0) { return ${hiPass ? `p0 * ${RADIX}.0 + chosen` : 'p0'}; }`,
    `if (fld == 1) { return ${hiPass ? 'p1' : `p1 * ${RADIX}.0 + chosen`}; }`,
    'return newK;',
  ].join('\n');
}

/** Per-chunk count of elements satisfying `pred` (over h, l, and the row's state p0, p1). */
function chunkCountSource(g: Geometry, pred: string): string {
  return [
    `const r = Math.floor(i / ${g.chunks});`,
    `const c = i - r * ${g.chunks};`,
    'const p0 = a2[r * 3];',
    'const p1 = a2[r * 3 + 1];',
    'let cnt = 0.0;',
    ...chunkElements(g, [`if (${pred}) { cnt = cnt + 1.0; }`]),
    'return cnt;',
  ].join('\n');
}

function exclusivePrefixSource(g: Geometry): string {
  return [
    `const r = Math.floor(i / ${g.chunks});`,
    `const c = i - r * ${g.chunks};`,
    'let s = 0.0;',
    `for (let q = 0; q < ${g.chunks}; q++) { if (q < c) { s = s + a0[r * ${g.chunks} + q]; } }`,
    'return s;',
  ].join('\n');
}

function maskSource(g: Geometry): string {
  return [
    `const r = Math.floor(i / ${g.n});`,
    `const j = i - r * ${g.n};`,
    `const c = Math.floor(j / ${CHUNK});`,
    'const h = a0[i];',
    'const l = a1[i];',
    'const p0 = a2[r * 3];',
    'const p1 = a2[r * 3 + 1];',
    'const quota = a2[r * 3 + 2];',
    'if (h > p0 || (h == p0 && l > p1)) { return 1.0; }',
    'if (h == p0 && l == p1) {',
    `  let before = a3[r * ${g.chunks} + c];`,
    `  for (let q = 0; q < ${CHUNK}; q++) {`,
    `    const jj = c * ${CHUNK} + q;`,
    `    if (jj < j && a0[r * ${g.n} + jj] == p0 && a1[r * ${g.n} + jj] == p1) { before = before + 1.0; }`,
    '  }',
    '  if (before < quota) { return 1.0; }',
    '}',
    'return 0.0;',
  ].join('\n');
}

/** Run the radix pipeline; returns the bool mask (exactly k ones per row). */
export function radixTopkMask(device: Device, x: DevTensor, k: number): DevTensor {
  const n = x.shape[x.shape.length - 1];
  const rows = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const g: Geometry = { rows, n, chunks: Math.ceil(n / CHUNK) };
  const temps: DevTensor[] = [];
  const tmp = (t: DevTensor) => (temps.push(t), t);
  try {
    if (k >= n) return launch(device, 'topkMask all', x.shape, 'bool', [], 'return 1.0;');
    const hi = tmp(launch(device, 'topk key hi', x.shape, 'float32', [x], keySource('hi'), DENORMAL_SCALE));
    const lo = tmp(launch(device, 'topk key lo', x.shape, 'float32', [x], keySource('lo'), DENORMAL_SCALE));
    const init = new Float32Array(rows * 3);
    for (let r = 0; r < rows; r++) init[r * 3 + 2] = k;
    let state = tmp({ buf: device.upload(init), shape: [rows * 3], dtype: 'float32' });
    for (let pass = 0; pass < PASSES; pass++) {
      const counts = tmp(launch(device, 'topk digit counts', [rows * g.chunks * GROUPS], 'float32', [hi, lo, state], countSource(g, pass)));
      const totals = tmp(launch(device, 'topk digit totals', [rows * RADIX], 'float32', [counts], reduceSource(g)));
      if (pass === 0) checkNoNaN(device, totals, rows, n);
      state = tmp(launch(device, 'topk select digit', [rows * 3], 'float32', [state, totals], stateSource(pass)));
    }
    const eqCount = tmp(launch(device, 'topk tie counts', [rows * g.chunks], 'float32', [hi, lo, state], chunkCountSource(g, 'h == p0 && l == p1')));
    const eqBefore = tmp(launch(device, 'topk tie prefix', [rows * g.chunks], 'float32', [eqCount], exclusivePrefixSource(g)));
    return launch(device, 'topk mask', x.shape, 'bool', [hi, lo, state, eqBefore], maskSource(g));
  } finally {
    for (const t of temps) device.release(t.buf);
  }
}

/** Every non-NaN element lands in one of the 16 first-pass buckets, so a short row has a NaN. */
function checkNoNaN(device: Device, totals: DevTensor, rows: number, n: number): void {
  const t = device.download(totals.buf);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let b = 0; b < RADIX; b++) s += t[r * RADIX + b];
    if (s !== n) throw new ValueError(`topk: row ${r} contains NaN (${n - s} of ${n}); k-WTA needs ordered values`);
  }
}

/**
 * Indices of the k winners in descending value order (ties: lower index first), from the mask:
 * compact the winners in index order (per-chunk counts and their prefix, then one thread per
 * output slot), rank each winner against the other k - 1, and invert the ranking.
 */
export function radixTopkIndices(device: Device, x: DevTensor, mask: DevTensor, k: number): DevTensor {
  const n = x.shape[x.shape.length - 1];
  const rows = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const g: Geometry = { rows, n, chunks: Math.ceil(n / CHUNK) };
  const outShape = [...x.shape.slice(0, -1), k];
  const temps: DevTensor[] = [];
  const tmp = (t: DevTensor) => (temps.push(t), t);
  try {
    // chunkCountSource reads a0 (as h), a1 and a2 (unused state); feed the mask as all three.
    const winCount = tmp(launch(device, 'topk winner counts', [rows * g.chunks], 'float32', [mask, mask, mask], chunkCountSource(g, 'h > 0.0')));
    const winBefore = tmp(launch(device, 'topk winner prefix', [rows * g.chunks], 'float32', [winCount], exclusivePrefixSource(g)));
    const compact = tmp(launch(device, 'topk compact', [rows * k], 'float32', [mask, winBefore], [
      `const r = Math.floor(i / ${k});`,
      `const s = i - r * ${k};`,
      'let cs = 0.0;',
      'let base = 0.0;',
      `for (let c = 0; c < ${g.chunks}; c++) { const p = a1[r * ${g.chunks} + c]; if (p <= s) { cs = c; base = p; } }`,
      'let seen = base;',
      'let found = -1.0;',
      `for (let q = 0; q < ${CHUNK}; q++) {`,
      `  const j = cs * ${CHUNK} + q;`,
      `  if (j < ${n} && a0[r * ${n} + j] > 0.0) {`,
      '    if (seen == s && found < 0.0) { found = j; }',
      '    seen = seen + 1.0;',
      '  }',
      '}',
      'return found;',
    ].join('\n')));
    const rank = tmp(launch(device, 'topk rank', [rows * k], 'float32', [x, compact], [
      `const r = Math.floor(i / ${k});`,
      `const s = i - r * ${k};`,
      `const v = a0[r * ${n} + a1[i]];`,
      'let rk = 0.0;',
      `for (let q = 0; q < ${k}; q++) {`,
      `  const w = a0[r * ${n} + a1[r * ${k} + q]];`,
      '  if (w > v || (w == v && q < s)) { rk = rk + 1.0; }',
      '}',
      'return rk;',
    ].join('\n')));
    return launch(device, 'topk order', outShape, 'int32', [compact, rank], [
      `const r = Math.floor(i / ${k});`,
      `const t = i - r * ${k};`,
      'let out = 0.0;',
      `for (let q = 0; q < ${k}; q++) { if (a1[r * ${k} + q] == t) { out = a0[r * ${k} + q]; } }`,
      'return out;',
    ].join('\n'));
  } finally {
    for (const t of temps) device.release(t.buf);
  }
}
