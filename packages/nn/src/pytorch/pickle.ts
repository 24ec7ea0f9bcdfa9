import { CheckpointError } from './errors.js';
import { callGlobal, resolveGlobal } from './globals.js';
import { PyBytes, PyDict, PyList, PyTuple, describe, findCycle, type PyValue } from './values.js';

/**
 * A pickle interpreter for state dicts: the opcodes of protocols 2 to 5 that `torch.save`
 * and the usual checkpoint wrappers produce. It builds data only: GLOBAL resolves against the
 * allowlist (globals.ts), REDUCE calls only allowlisted rebuilds, BINPERSID asks the container
 * for a storage. Every read is bounds-checked against the input, integers are capped, and the
 * finished object graph must be acyclic. Opcodes that build arbitrary objects (NEWOBJ, INST,
 * OBJ, extension codes, out-of-band buffers, sets) and protocol 0/1 text opcodes are refused
 * by name.
 */

export interface PickleContext {
  /** File name, for errors. */
  source: string;
  /** Which pickle of the file (e.g. 'archive/data.pkl'), for errors. */
  what: string;
  /** The container's storage lookup for BINPERSID; absent where a pickle may not have one. */
  persistentLoad?: (pid: PyValue) => PyValue;
}

/**
 * ISO-8859-1, byte for byte (TextDecoder's 'latin1' label is windows-1252, which differs at
 * 0x80-0x9f): GLOBAL names and Python 2 strings.
 */
export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

/** Integers wider than this many bytes are refused (the legacy magic number needs 10). */
const MAX_LONG_BYTES = 16;

class Unpickler {
  private pos: number;
  private readonly stack: PyValue[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, PyValue>();
  private readonly view: DataView;
  private opStart = 0;

  constructor(private readonly bytes: Uint8Array, start: number, private readonly ctx: PickleContext) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail = (message: string): CheckpointError => new CheckpointError(`${this.ctx.source}: ${this.ctx.what}: ${message} (pickle byte ${this.opStart})`);

  private take(n: number, what: string): number {
    if (!Number.isSafeInteger(n) || n < 0 || this.pos + n > this.bytes.length) {
      throw this.fail(`${what} of ${n} bytes runs past the end of the pickle (${this.bytes.length - this.pos} bytes left)`);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  private u8 = () => this.bytes[this.take(1, 'argument')];
  private u16 = () => this.view.getUint16(this.take(2, 'argument'), true);
  private u32 = () => this.view.getUint32(this.take(4, 'argument'), true);
  private i32 = () => this.view.getInt32(this.take(4, 'argument'), true);
  private u64 = () => {
    const at = this.take(8, 'argument');
    return this.view.getUint32(at + 4, true) * 2 ** 32 + this.view.getUint32(at, true);
  };

  private raw(n: number, what: string): Uint8Array {
    const at = this.take(n, what);
    return this.bytes.subarray(at, at + n);
  }

  private utf8(n: number): string {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.raw(n, 'string'));
    } catch (e) {
      if (e instanceof CheckpointError) throw e;
      throw this.fail('string is not valid UTF-8');
    }
  }

  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw this.fail('GLOBAL name runs past the end of the pickle');
    const s = latin1(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }

  /** Little-endian two's-complement integer of `n` bytes (LONG1 / LONG4). */
  private long(n: number): number | bigint {
    if (n > MAX_LONG_BYTES) throw this.fail(`integer of ${n} bytes is larger than a checkpoint needs (at most ${MAX_LONG_BYTES})`);
    const b = this.raw(n, 'integer');
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  private push(v: PyValue): void {
    this.stack.push(v);
  }

  private pop(): PyValue {
    const base = this.marks.length ? this.marks[this.marks.length - 1] : 0;
    if (this.stack.length <= base) throw this.fail('stack underflow');
    return this.stack.pop()!;
  }

  private top(): PyValue {
    const base = this.marks.length ? this.marks[this.marks.length - 1] : 0;
    if (this.stack.length <= base) throw this.fail('stack underflow');
    return this.stack[this.stack.length - 1];
  }

  /** The items pushed since the last MARK (which is removed). */
  private popMark(): PyValue[] {
    const m = this.marks.pop();
    if (m === undefined) throw this.fail('no MARK to pop to');
    return this.stack.splice(m);
  }

  private memoGet(i: number): PyValue {
    if (!this.memo.has(i)) throw this.fail(`memo entry ${i} is read before it is written`);
    return this.memo.get(i)!;
  }

  private memoPut(i: number): void {
    this.memo.set(i, this.top());
  }

  private setItems(d: PyValue, items: PyValue[]): void {
    if (!(d instanceof PyDict)) throw this.fail(`SETITEM(S) on ${describe(d)}, not a dict`);
    if (items.length % 2) throw this.fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) d.map.set(items[i], items[i + 1]);
  }

  private append(l: PyValue, items: PyValue[]): void {
    if (!(l instanceof PyList)) throw this.fail(`APPEND(S) on ${describe(l)}, not a list`);
    l.items.push(...items);
  }

  /** One table entry per opcode byte this interpreter accepts. */
  private readonly ops: Record<number, () => void> = {
    0x80: () => {
      const proto = this.u8();
      if (proto < 2 || proto > 5) throw this.fail(`pickle protocol ${proto} is not read (2 to 5 are)`);
    }, // PROTO
    0x95: () => {
      const n = this.u64();
      if (this.pos + n > this.bytes.length) throw this.fail(`FRAME of ${n} bytes runs past the end of the pickle`);
    }, // FRAME (framing only groups opcodes; its length is checked, not needed)
    0x28: () => { this.marks.push(this.stack.length); }, // MARK (
    0x31: () => { this.popMark(); }, // POP_MARK 1
    0x30: () => { this.pop(); }, // POP 0
    0x32: () => this.push(this.top()), // DUP 2
    0x29: () => this.push(new PyTuple([])), // EMPTY_TUPLE )
    0x74: () => this.push(new PyTuple(this.popMark())), // TUPLE t
    0x85: () => this.push(new PyTuple([this.pop()])), // TUPLE1
    0x86: () => { const b = this.pop(), a = this.pop(); this.push(new PyTuple([a, b])); }, // TUPLE2
    0x87: () => { const c = this.pop(), b = this.pop(), a = this.pop(); this.push(new PyTuple([a, b, c])); }, // TUPLE3
    0x5d: () => this.push(new PyList()), // EMPTY_LIST ]
    0x6c: () => this.push(new PyList(this.popMark())), // LIST l
    0x61: () => { const v = this.pop(); this.append(this.top(), [v]); }, // APPEND a
    0x65: () => { const items = this.popMark(); this.append(this.top(), items); }, // APPENDS e
    0x7d: () => this.push(new PyDict()), // EMPTY_DICT }
    0x64: () => { const d = new PyDict(); this.setItems(d, this.popMark()); this.push(d); }, // DICT d
    0x73: () => { const v = this.pop(), k = this.pop(); this.setItems(this.top(), [k, v]); }, // SETITEM s
    0x75: () => { const items = this.popMark(); this.setItems(this.top(), items); }, // SETITEMS u
    0x4e: () => this.push(null), // NONE N
    0x88: () => this.push(true), // NEWTRUE
    0x89: () => this.push(false), // NEWFALSE
    0x4a: () => this.push(this.i32()), // BININT J
    0x4b: () => this.push(this.u8()), // BININT1 K
    0x4d: () => this.push(this.u16()), // BININT2 M
    0x8a: () => this.push(this.long(this.u8())), // LONG1
    0x8b: () => this.push(this.long(this.u32())), // LONG4
    0x47: () => this.push(this.view.getFloat64(this.take(8, 'float'), false)), // BINFLOAT G (big-endian)
    0x58: () => this.push(this.utf8(this.u32())), // BINUNICODE X
    0x8c: () => this.push(this.utf8(this.u8())), // SHORT_BINUNICODE
    0x8d: () => this.push(this.utf8(this.u64())), // BINUNICODE8
    // Python 2 str: bytes that pickle decodes as latin-1 by default.
    0x54: () => this.push(latin1(this.raw(this.i32(), 'string'))), // BINSTRING T
    0x55: () => this.push(latin1(this.raw(this.u8(), 'string'))), // SHORT_BINSTRING U
    0x42: () => this.push(new PyBytes(this.raw(this.u32(), 'bytes'))), // BINBYTES B
    0x43: () => this.push(new PyBytes(this.raw(this.u8(), 'bytes'))), // SHORT_BINBYTES C
    0x8e: () => this.push(new PyBytes(this.raw(this.u64(), 'bytes'))), // BINBYTES8
    0x96: () => this.push(new PyBytes(this.raw(this.u64(), 'bytearray'))), // BYTEARRAY8
    0x71: () => this.memoPut(this.u8()), // BINPUT q
    0x72: () => this.memoPut(this.u32()), // LONG_BINPUT r
    0x94: () => this.memoPut(this.memo.size), // MEMOIZE
    0x68: () => this.push(this.memoGet(this.u8())), // BINGET h
    0x6a: () => this.push(this.memoGet(this.u32())), // LONG_BINGET j
    0x63: () => { const module = this.line(); this.push(resolveGlobal(module, this.line(), this.fail)); }, // GLOBAL c
    0x93: () => {
      const name = this.pop(), module = this.pop();
      if (typeof module !== 'string' || typeof name !== 'string') throw this.fail(`STACK_GLOBAL needs two strings, got ${describe(module)} and ${describe(name)}`);
      this.push(resolveGlobal(module, name, this.fail));
    }, // STACK_GLOBAL
    0x52: () => { const args = this.pop(), callable = this.pop(); this.push(callGlobal(callable, args, this.fail)); }, // REDUCE R
    0x62: () => {
      const state = this.pop(), obj = this.top();
      // Only an OrderedDict's attributes (PyTorch's `_metadata`: per-module versions) are kept, as data.
      if (!(obj instanceof PyDict) || !obj.ordered || !(state instanceof PyDict)) throw this.fail(`BUILD of ${describe(obj)} with ${describe(state)}: only an OrderedDict's attributes are read`);
      obj.attrs = state;
    }, // BUILD b
    0x51: () => {
      const pid = this.pop();
      if (!this.ctx.persistentLoad) throw this.fail(`persistent id ${describe(pid)} where none is expected`);
      this.push(this.ctx.persistentLoad(pid));
    }, // BINPERSID Q
  };

  /** Opcodes that exist but that a state dict never needs, by name, for the error. */
  private static readonly REFUSED: Record<number, string> = {
    0x81: 'NEWOBJ', 0x92: 'NEWOBJ_EX', 0x69: 'INST', 0x6f: 'OBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4',
    0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
    0x49: 'INT (protocol 0)', 0x4c: 'LONG (protocol 0)', 0x46: 'FLOAT (protocol 0)', 0x53: 'STRING (protocol 0)',
    0x56: 'UNICODE (protocol 0)', 0x50: 'PERSID (protocol 0)', 0x70: 'PUT (protocol 0)', 0x67: 'GET (protocol 0)',
  };

  run(): { value: PyValue; end: number } {
    for (;;) {
      this.opStart = this.pos;
      if (this.pos >= this.bytes.length) throw this.fail('pickle ends without STOP (truncated)');
      const op = this.bytes[this.pos++];
      if (op === 0x2e) break; // STOP .
      const handler = this.ops[op];
      if (!handler) {
        const name = Unpickler.REFUSED[op];
        throw this.fail(name ? `opcode ${name} is not needed by a state dict and is refused` : `unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
      handler();
    }
    if (this.marks.length) throw this.fail('STOP with an unclosed MARK');
    if (this.stack.length !== 1) throw this.fail(`STOP with ${this.stack.length} objects on the stack (expected 1)`);
    const value = this.stack[0];
    const cycle = findCycle(value);
    if (cycle !== null) throw this.fail(`the object graph has a cycle (a ${describe(cycle)} contains itself through the memo)`);
    return { value, end: this.pos };
  }
}

/** Run one pickle starting at `start`; returns the object and the offset just after STOP. */
export function unpickle(bytes: Uint8Array, start: number, ctx: PickleContext): { value: PyValue; end: number } {
  return new Unpickler(bytes, start, ctx).run();
}
