/**
 * DEFLATE (RFC 1951) decoder for zip members, written for a hostile input: the caller states the
 * exact output size (from the zip directory, already checked against the reader's byte budget),
 * the output buffer is allocated once at that size, and decoding stops with an error at the first
 * byte that would pass it, at a read past the input, or at any malformed code. So a member that
 * lies about its size (a zip bomb) costs at most its declared size and the time to fill it.
 * Huffman codes are decoded canonically, bit by bit (as zlib's reference `puff`): slower than
 * table lookup, but PyTorch stores its members uncompressed, so this path is rare.
 */
const MAX_BITS = 15;
const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** A canonical Huffman code: how many codes of each length, and the symbols in code order. */
interface Huffman {
  count: Uint16Array;
  symbol: Uint16Array;
}

class Inflater {
  private pos = 0; // next input byte
  private bitBuf = 0;
  private bitCount = 0;
  private at = 0; // next output byte

  constructor(private readonly src: Uint8Array, private readonly out: Uint8Array, private readonly fail: (m: string) => Error) {}

  private bits(n: number): number {
    while (this.bitCount < n) {
      if (this.pos >= this.src.length) throw this.fail(`deflate stream ends early (after ${this.src.length} bytes, ${this.at} bytes inflated)`);
      this.bitBuf |= this.src[this.pos++] << this.bitCount;
      this.bitCount += 8;
    }
    const v = this.bitBuf & ((1 << n) - 1);
    this.bitBuf >>>= n;
    this.bitCount -= n;
    return v;
  }

  private build(lengths: ArrayLike<number>, what: string): Huffman {
    const count = new Uint16Array(MAX_BITS + 1);
    for (let i = 0; i < lengths.length; i++) count[lengths[i]]++;
    count[0] = 0;
    let left = 1;
    for (let len = 1; len <= MAX_BITS; len++) {
      left = (left << 1) - count[len];
      if (left < 0) throw this.fail(`over-subscribed ${what} Huffman code`);
    }
    const offs = new Uint16Array(MAX_BITS + 2);
    for (let len = 1; len <= MAX_BITS; len++) offs[len + 1] = offs[len] + count[len];
    const symbol = new Uint16Array(lengths.length);
    for (let s = 0; s < lengths.length; s++) if (lengths[s]) symbol[offs[lengths[s]]++] = s;
    return { count, symbol };
  }

  private decode(h: Huffman): number {
    let code = 0, first = 0, index = 0;
    for (let len = 1; len <= MAX_BITS; len++) {
      code |= this.bits(1);
      const count = h.count[len];
      if (code - count < first) return h.symbol[index + (code - first)];
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    throw this.fail('invalid Huffman code in deflate stream');
  }

  private put(byte: number): void {
    if (this.at >= this.out.length) throw this.fail(`inflates past its declared size of ${this.out.length} bytes`);
    this.out[this.at++] = byte;
  }

  private stored(): void {
    this.bitBuf = 0;
    this.bitCount = 0;
    if (this.pos + 4 > this.src.length) throw this.fail('deflate stream ends inside a stored block header');
    const len = this.src[this.pos] | (this.src[this.pos + 1] << 8);
    const nlen = this.src[this.pos + 2] | (this.src[this.pos + 3] << 8);
    this.pos += 4;
    if (len !== (~nlen & 0xffff)) throw this.fail('stored block length does not match its complement');
    if (this.pos + len > this.src.length) throw this.fail('deflate stream ends inside a stored block');
    if (this.at + len > this.out.length) throw this.fail(`inflates past its declared size of ${this.out.length} bytes`);
    this.out.set(this.src.subarray(this.pos, this.pos + len), this.at);
    this.pos += len;
    this.at += len;
  }

  private codes(lit: Huffman, dist: Huffman): void {
    for (;;) {
      const sym = this.decode(lit);
      if (sym < 256) this.put(sym);
      else if (sym === 256) return;
      else {
        const li = sym - 257;
        if (li >= 29) throw this.fail(`invalid length symbol ${sym}`);
        const len = LENGTH_BASE[li] + this.bits(LENGTH_EXTRA[li]);
        const di = this.decode(dist);
        if (di >= 30) throw this.fail(`invalid distance symbol ${di}`);
        const d = DIST_BASE[di] + this.bits(DIST_EXTRA[di]);
        if (d > this.at) throw this.fail(`distance ${d} reaches before the start of the output (${this.at} bytes so far)`);
        if (this.at + len > this.out.length) throw this.fail(`inflates past its declared size of ${this.out.length} bytes`);
        for (let k = 0; k < len; k++, this.at++) this.out[this.at] = this.out[this.at - d];
      }
    }
  }

  private dynamic(): [Huffman, Huffman] {
    const nlen = this.bits(5) + 257, ndist = this.bits(5) + 1, ncode = this.bits(4) + 4;
    if (nlen > 286 || ndist > 30) throw this.fail(`dynamic block declares ${nlen} length and ${ndist} distance codes (at most 286 and 30)`);
    const codeLengths = new Uint8Array(19);
    for (let i = 0; i < ncode; i++) codeLengths[CODE_LENGTH_ORDER[i]] = this.bits(3);
    const lencode = this.build(codeLengths, 'code-length');
    const lengths = new Uint8Array(nlen + ndist);
    for (let i = 0; i < nlen + ndist; ) {
      const sym = this.decode(lencode);
      if (sym < 16) {
        lengths[i++] = sym;
        continue;
      }
      let repeat: number, value = 0;
      if (sym === 16) {
        if (i === 0) throw this.fail('code-length repeat with no previous length');
        value = lengths[i - 1];
        repeat = 3 + this.bits(2);
      } else repeat = sym === 17 ? 3 + this.bits(3) : 11 + this.bits(7);
      if (i + repeat > nlen + ndist) throw this.fail('code-length repeat runs past the declared code count');
      lengths.fill(value, i, i + repeat);
      i += repeat;
    }
    if (lengths[256] === 0) throw this.fail('dynamic block has no end-of-block code');
    return [this.build(lengths.subarray(0, nlen), 'literal/length'), this.build(lengths.subarray(nlen), 'distance')];
  }

  run(): void {
    let last: number;
    do {
      last = this.bits(1);
      const type = this.bits(2);
      if (type === 0) this.stored();
      else if (type === 1) this.codes(FIXED_LIT, FIXED_DIST);
      else if (type === 2) this.codes(...this.dynamic());
      else throw this.fail('invalid deflate block type 3');
    } while (!last);
    if (this.at !== this.out.length) throw this.fail(`inflates to ${this.at} bytes but declares ${this.out.length}`);
  }

  static fixed(): [Huffman, Huffman] {
    const lit = new Uint8Array(288);
    lit.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
    const never = (m: string) => new Error(m);
    const self = new Inflater(new Uint8Array(0), new Uint8Array(0), never);
    return [self.build(lit, 'fixed literal'), self.build(new Uint8Array(30).fill(5), 'fixed distance')];
  }
}

const [FIXED_LIT, FIXED_DIST] = Inflater.fixed();

/**
 * Inflate a raw DEFLATE stream to exactly `size` bytes. `fail` builds the error (with the
 * caller's file and member name) for every way the stream can be wrong.
 */
export function inflateRaw(src: Uint8Array, size: number, fail: (message: string) => Error): Uint8Array {
  const out = new Uint8Array(size);
  new Inflater(src, out, fail).run();
  return out;
}
