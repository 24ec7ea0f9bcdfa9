/**
 * A tiny WebAssembly binary encoder: just what the kernel emitters need (one imported memory,
 * functions with i32 parameters, no results, exported by name). Spec: the WebAssembly core
 * binary format, plus the fixed-width SIMD proposal (prefix 0xFD) and the threads proposal's
 * shared-memory limits flag.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** Unsigned LEB128. */
export function uleb(out: number[], value: number): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

/** Signed LEB128 for 32-bit values. */
export function sleb(out: number[], value: number): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

function name(out: number[], s: string): void {
  const bytes = new TextEncoder().encode(s);
  uleb(out, bytes.length);
  out.push(...bytes);
}

function section(out: number[], id: number, body: number[]): void {
  out.push(id);
  uleb(out, body.length);
  for (const b of body) out.push(b);
}

/** A function under construction: its signature, extra locals and instruction bytes. */
export interface FunctionDef {
  name: string;
  params: ValType[];
  locals: ValType[];
  code: number[];
}

export interface MemoryImport {
  initialPages: number;
  maximumPages: number;
  shared: boolean;
}

/**
 * Encode a module importing `env.memory` and defining `funcs` in order (function index = position,
 * since no functions are imported), every function exported under its name.
 */
export function encodeModule(funcs: FunctionDef[], memory: MemoryImport): Uint8Array {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

  // One type per distinct parameter list.
  const typeKeys: string[] = [];
  const typeOf = funcs.map((f) => {
    const key = f.params.join(',');
    let i = typeKeys.indexOf(key);
    if (i < 0) i = typeKeys.push(key) - 1;
    return i;
  });
  const types: number[] = [];
  uleb(types, typeKeys.length);
  for (const key of typeKeys) {
    const params = key === '' ? [] : key.split(',').map(Number);
    types.push(0x60);
    uleb(types, params.length);
    types.push(...params);
    uleb(types, 0);
  }
  section(out, 1, types);

  const imports: number[] = [];
  uleb(imports, 1);
  name(imports, 'env');
  name(imports, 'memory');
  imports.push(0x02, memory.shared ? 0x03 : 0x01);
  uleb(imports, memory.initialPages);
  uleb(imports, memory.maximumPages);
  section(out, 2, imports);

  const fsec: number[] = [];
  uleb(fsec, funcs.length);
  for (const t of typeOf) uleb(fsec, t);
  section(out, 3, fsec);

  const exps: number[] = [];
  uleb(exps, funcs.length);
  funcs.forEach((f, i) => {
    name(exps, f.name);
    exps.push(0x00);
    uleb(exps, i);
  });
  section(out, 7, exps);

  const code: number[] = [];
  uleb(code, funcs.length);
  for (const f of funcs) {
    const body: number[] = [];
    // Locals, run-length grouped by type.
    const groups: [number, ValType][] = [];
    for (const t of f.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(body, groups.length);
    for (const [n, t] of groups) {
      uleb(body, n);
      body.push(t);
    }
    for (const b of f.code) body.push(b);
    body.push(0x0b);
    uleb(code, body.length);
    for (const b of body) code.push(b);
  }
  section(out, 10, code);
  return Uint8Array.from(out);
}
