import { F32, F64, I32, V128, sleb, uleb, type FunctionDef, type ValType } from './encoder.js';

/** A local variable slot (parameter or declared local). */
export type Local = number;

/** SIMD opcodes used here (after the 0xFD prefix). */
const SIMD = {
  load: 0x00, load32Splat: 0x09, store: 0x0b, const: 0x0c,
  f32x4Splat: 0x13, f64x2Splat: 0x14, f32x4ExtractLane: 0x1f, f64x2ExtractLane: 0x21,
  f32x4Ne: 0x42, f32x4Lt: 0x43, f32x4Gt: 0x44, v128Not: 0x4d, v128And: 0x4e, v128Or: 0x50, v128Bitselect: 0x52,
  load64Zero: 0x5d, f64x2PromoteLow: 0x5f,
  f32x4Abs: 0xe0, f32x4Neg: 0xe1, f32x4Sqrt: 0xe3,
  f32x4Add: 0xe4, f32x4Sub: 0xe5, f32x4Mul: 0xe6, f32x4Div: 0xe7, f32x4Max: 0xe9,
  f64x2Add: 0xf0,
  i32x4Splat: 0x11, i32x4ExtractLane: 0x1b, f32x4Eq: 0x41, f32x4Ge: 0x46, v128AndNot: 0x4f, v128AnyTrue: 0x53,
  i32x4Add: 0xae, i32x4Sub: 0xb1, i8x16Swizzle: 0x0e, i32x4Bitmask: 0xa4,
  i8x16Shuffle: 0x0d, i8x16Splat: 0x0f, load32Zero: 0x5c, i8x16NarrowI16x8S: 0x65, i16x8NarrowI32x4S: 0x85,
  i16x8ExtendLowI8x16U: 0x89, i32x4ExtendLowI16x8U: 0xa9, i32x4Ne: 0x38,
} as const;

/**
 * Builds one function body as a stack-machine instruction stream. Methods push instructions in
 * the order written, so emitter code reads like the WebAssembly text format; a few structured
 * helpers (`loop`, `forRange`, `ifThen`) keep branch depths out of the kernel code.
 */
export class FnBuilder {
  readonly code: number[] = [];
  private readonly locals: ValType[] = [];

  constructor(readonly name: string, readonly params: ValType[]) {}

  static i32Params(name: string, n: number): FnBuilder {
    return new FnBuilder(name, new Array<ValType>(n).fill(I32));
  }

  param(i: number): Local {
    return i;
  }

  local(type: ValType = I32): Local {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  v128(): Local {
    return this.local(V128);
  }

  f32(): Local {
    return this.local(F32);
  }

  f64(): Local {
    return this.local(F64);
  }

  /**
   * Load an Int32 block (a struct of `names.length` fields at byte address `ptr`) into fresh
   * locals, one per field: how kernels take a geometry as one pointer instead of many arguments.
   */
  loadFields<K extends string>(ptr: Local, names: readonly K[]): Record<K, Local> {
    const out = {} as Record<K, Local>;
    names.forEach((name, i) => {
      out[name] = this.local();
      this.get(ptr).i32load(i * 4).set(out[name]);
    });
    return out;
  }

  def(): FunctionDef {
    return { name: this.name, params: this.params, locals: this.locals, code: this.code };
  }

  private op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }

  private memarg(align: number, offset: number): this {
    uleb(this.code, align);
    uleb(this.code, offset);
    return this;
  }

  private simd(opcode: number): this {
    this.code.push(0xfd);
    uleb(this.code, opcode);
    return this;
  }

  // --- variables and constants
  get(l: Local): this { this.code.push(0x20); uleb(this.code, l); return this; }
  set(l: Local): this { this.code.push(0x21); uleb(this.code, l); return this; }
  tee(l: Local): this { this.code.push(0x22); uleb(this.code, l); return this; }
  i32(v: number): this { this.code.push(0x41); sleb(this.code, v); return this; }
  f32const(v: number): this {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    return this.op(0x43, ...b);
  }
  /** local = value pushed by `value()` */
  assign(l: Local, value: () => void): this { value(); return this.set(l); }
  /** local += delta (i32) */
  inc(l: Local, delta: number | Local, deltaIsLocal = false): this {
    this.get(l);
    if (deltaIsLocal) this.get(delta);
    else this.i32(delta);
    return this.add().set(l);
  }

  // --- i32 arithmetic and comparisons
  add(): this { return this.op(0x6a); }
  sub(): this { return this.op(0x6b); }
  mul(): this { return this.op(0x6c); }
  divS(): this { return this.op(0x6d); }
  remS(): this { return this.op(0x6f); }
  shl(): this { return this.op(0x74); }
  shrU(): this { return this.op(0x76); }
  popcnt(): this { return this.op(0x69); }
  eqz(): this { return this.op(0x45); }
  eq(): this { return this.op(0x46); }
  ne(): this { return this.op(0x47); }
  ltS(): this { return this.op(0x48); }
  ltU(): this { return this.op(0x49); }
  leS(): this { return this.op(0x4c); }
  geS(): this { return this.op(0x4e); }
  or(): this { return this.op(0x72); }
  and(): this { return this.op(0x71); }
  select(): this { return this.op(0x1b); }

  // --- memory (i32 and f32 scalars)
  i32load(offset = 0): this { return this.op(0x28).memarg(2, offset); }
  i32store(offset = 0): this { return this.op(0x36).memarg(2, offset); }
  f32load(offset = 0): this { return this.op(0x2a).memarg(2, offset); }
  f32store(offset = 0): this { return this.op(0x38).memarg(2, offset); }
  f64load(offset = 0): this { return this.op(0x2b).memarg(3, offset); }
  f64store(offset = 0): this { return this.op(0x39).memarg(3, offset); }
  i32load8u(offset = 0): this { return this.op(0x2d).memarg(0, offset); }
  i32store8(offset = 0): this { return this.op(0x3a).memarg(0, offset); }
  f32abs(): this { return this.op(0x8b); }
  f32neg(): this { return this.op(0x8c); }
  f32sqrt(): this { return this.op(0x91); }
  f32add(): this { return this.op(0x92); }
  f32sub(): this { return this.op(0x93); }
  f32mul(): this { return this.op(0x94); }
  f32div(): this { return this.op(0x95); }
  f32max(): this { return this.op(0x97); }
  f32eq(): this { return this.op(0x5b); }
  f32ne(): this { return this.op(0x5c); }
  f32lt(): this { return this.op(0x5d); }
  f32ge(): this { return this.op(0x60); }
  f32gt(): this { return this.op(0x5e); }
  f64add(): this { return this.op(0xa0); }
  f32demote(): this { return this.op(0xb6); }
  f64promote(): this { return this.op(0xbb); }
  f64const(v: number): this {
    const b = new Uint8Array(new Float64Array([v]).buffer);
    return this.op(0x44, ...b);
  }

  // --- v128 / f32x4
  v128load(offset = 0): this { return this.simd(SIMD.load).memarg(0, offset); }
  v128store(offset = 0): this { return this.simd(SIMD.store).memarg(0, offset); }
  load32Splat(offset = 0): this { return this.simd(SIMD.load32Splat).memarg(2, offset); }
  v128zero(): this { this.simd(SIMD.const); for (let i = 0; i < 16; i++) this.code.push(0); return this; }
  /** v128.const with four i32 lanes (little-endian). */
  i32x4const(lanes: readonly [number, number, number, number]): this {
    this.simd(SIMD.const);
    for (const l of lanes) for (let b = 0; b < 4; b++) this.code.push((l >>> (8 * b)) & 0xff);
    return this;
  }
  f32x4splat(): this { return this.simd(SIMD.f32x4Splat); }
  f32x4extract(lane: number): this { return this.simd(SIMD.f32x4ExtractLane).op(lane); }
  f32x4add(): this { return this.simd(SIMD.f32x4Add); }
  f32x4sub(): this { return this.simd(SIMD.f32x4Sub); }
  f32x4mul(): this { return this.simd(SIMD.f32x4Mul); }
  f32x4max(): this { return this.simd(SIMD.f32x4Max); }
  f32x4div(): this { return this.simd(SIMD.f32x4Div); }
  f32x4abs(): this { return this.simd(SIMD.f32x4Abs); }
  f32x4neg(): this { return this.simd(SIMD.f32x4Neg); }
  f32x4sqrt(): this { return this.simd(SIMD.f32x4Sqrt); }
  f32x4gt(): this { return this.simd(SIMD.f32x4Gt); }
  f32x4lt(): this { return this.simd(SIMD.f32x4Lt); }
  f32x4ne(): this { return this.simd(SIMD.f32x4Ne); }
  v128and(): this { return this.simd(SIMD.v128And); }
  v128or(): this { return this.simd(SIMD.v128Or); }
  v128not(): this { return this.simd(SIMD.v128Not); }
  /** v128.bitselect(a, b, mask): bits of a where mask is 1, of b elsewhere (stack: a b mask). */
  bitselect(): this { return this.simd(SIMD.v128Bitselect); }
  /** Two f32 (8 bytes) into the low lanes, zeros above. */
  load64zero(offset = 0): this { return this.simd(SIMD.load64Zero).memarg(3, offset); }
  f64x2promoteLow(): this { return this.simd(SIMD.f64x2PromoteLow); }
  f64x2add(): this { return this.simd(SIMD.f64x2Add); }
  i8x16splat(): this { return this.simd(SIMD.i8x16Splat); }
  i32x4splat(): this { return this.simd(SIMD.i32x4Splat); }
  i32x4extract(lane: number): this { return this.simd(SIMD.i32x4ExtractLane).op(lane); }
  i32x4add(): this { return this.simd(SIMD.i32x4Add); }
  i32x4sub(): this { return this.simd(SIMD.i32x4Sub); }
  f32x4eq(): this { return this.simd(SIMD.f32x4Eq); }
  f32x4ge(): this { return this.simd(SIMD.f32x4Ge); }
  /** a & ~b (stack: a b) */
  v128andnot(): this { return this.simd(SIMD.v128AndNot); }
  anyTrue(): this { return this.simd(SIMD.v128AnyTrue); }
  /** Bytes of the first operand picked by the second's byte indices (out of range: 0). */
  swizzle(): this { return this.simd(SIMD.i8x16Swizzle); }
  /**
   * f32x4 lanes picked from two vectors (stack: a b): lane k of the result is lane `lanes[k]` of
   * a (0-3) or of b (4-7). Encoded as i8x16.shuffle with the byte indices of those lanes.
   */
  f32x4shuffle(lanes: readonly [number, number, number, number]): this {
    this.simd(SIMD.i8x16Shuffle);
    for (const l of lanes) for (let b = 0; b < 4; b++) this.code.push(4 * l + b);
    return this;
  }
  /** One bit per i32x4 lane: its sign bit. */
  i32x4bitmask(): this { return this.simd(SIMD.i32x4Bitmask); }
  /** Four bytes into lane 0, zeros above. */
  load32zero(offset = 0): this { return this.simd(SIMD.load32Zero).memarg(2, offset); }
  /** Saturating narrow of two i16x8 into one i8x16 (stack: low high). */
  i8x16narrow(): this { return this.simd(SIMD.i8x16NarrowI16x8S); }
  i16x8narrow(): this { return this.simd(SIMD.i16x8NarrowI32x4S); }
  i16x8extendLowU(): this { return this.simd(SIMD.i16x8ExtendLowI8x16U); }
  i32x4extendLowU(): this { return this.simd(SIMD.i32x4ExtendLowI16x8U); }
  i32x4ne(): this { return this.simd(SIMD.i32x4Ne); }
  f64x2splat(): this { return this.simd(SIMD.f64x2Splat); }
  f64x2extract(lane: number): this { return this.simd(SIMD.f64x2ExtractLane).op(lane); }

  // --- control flow
  call(funcIndex: number): this { this.code.push(0x10); uleb(this.code, funcIndex); return this; }
  br(depth: number): this { this.code.push(0x0c); uleb(this.code, depth); return this; }
  brIf(depth: number): this { this.code.push(0x0d); uleb(this.code, depth); return this; }
  ret(): this { return this.op(0x0f); }

  /** if (condition) then [else otherwise]; the condition is pushed by `cond()`. */
  ifThen(cond: () => void, then: () => void, otherwise?: () => void): this {
    cond();
    this.op(0x04, 0x40);
    then();
    if (otherwise) {
      this.op(0x05);
      otherwise();
    }
    return this.op(0x0b);
  }

  /**
   * do { body } while (cond): `cond()` pushes the continue condition. Inside `body`, depth 0 is
   * the loop (continue) and depth 1 the enclosing block (break).
   */
  doWhile(body: () => void, cond: () => void): this {
    this.op(0x02, 0x40, 0x03, 0x40);
    body();
    cond();
    this.brIf(0);
    return this.op(0x0b, 0x0b);
  }

  /** while (cond()) body: `cond()` pushes the i32 condition, tested before every iteration. */
  whileLoop(cond: () => void, body: () => void): this {
    this.op(0x02, 0x40, 0x03, 0x40);
    cond();
    this.eqz().brIf(1);
    body();
    this.br(0);
    return this.op(0x0b, 0x0b);
  }

  /**
   * for (i = from; i < to; i += step) body — signed compare; `from`/`to` push their values.
   * The bound is evaluated once into a fresh local.
   */
  forRange(i: Local, from: () => void, to: () => void, body: () => void, step = 1): this {
    const end = this.local(I32);
    from();
    this.set(i);
    to();
    this.set(end);
    this.op(0x02, 0x40); // block: break target
    this.get(i).get(end).geS().brIf(0);
    this.op(0x03, 0x40); // loop
    body();
    this.inc(i, step);
    this.get(i).get(end).ltS().brIf(0);
    return this.op(0x0b, 0x0b);
  }
}
