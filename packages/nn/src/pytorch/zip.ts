import type { ByteBudget } from './budget.js';
import { crc32 } from './crc32.js';
import { CheckpointError } from './errors.js';
import { inflateRaw } from './inflate.js';

/**
 * A zip reader for `torch.save` archives (PyTorch writes them with miniz: stored members, a
 * zip64 end record, data descriptors). Everything comes from the central directory and is
 * checked against the file before use: the directory and every member lie inside the file,
 * members do not overlap one another or the directory, names are unique and agree with the
 * local headers, sizes of stored members agree, and a member's CRC-32 is verified when it is
 * read. Deflated members are inflated to exactly their declared size, which the byte budget
 * must allow first. Encrypted, split and other-method archives are refused.
 */

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const SATURATED32 = 0xffffffff;

export interface ZipMember {
  name: string;
  /** 0 stored, 8 deflated. */
  method: 0 | 8;
  crc: number;
  compressedSize: number;
  size: number;
  /** File offset of the member's data (after its local header). */
  dataStart: number;
}

/** Little-endian reads that refuse to run past the file. */
class Reader {
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array, private readonly fail: (m: string) => CheckpointError) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  need(at: number, n: number, what: string): void {
    if (at < 0 || at + n > this.bytes.length) throw this.fail(`${what} at byte ${at} (${n} bytes) runs past the end of the file (${this.bytes.length} bytes)`);
  }

  u16(at: number): number {
    return this.view.getUint16(at, true);
  }

  u32(at: number): number {
    return this.view.getUint32(at, true);
  }

  /** A 64-bit size or offset; anything past 2^53 cannot be inside a file we hold. */
  u64(at: number, what: string): number {
    const v = this.view.getUint32(at + 4, true) * 2 ** 32 + this.view.getUint32(at, true);
    if (!Number.isSafeInteger(v)) throw this.fail(`${what} ${v} is not a usable size`);
    return v;
  }
}

const decoder = new TextDecoder('utf-8');

export class ZipArchive {
  readonly members = new Map<string, ZipMember>();
  private readonly r: Reader;

  constructor(readonly bytes: Uint8Array, readonly source: string, private readonly budget: ByteBudget, private readonly checksum: (data: Uint8Array) => number = crc32) {
    this.r = new Reader(bytes, (m) => this.error(m));
    const { entries, cdOffset, cdSize } = this.endRecord();
    this.readDirectory(entries, cdOffset, cdSize);
  }

  private error(message: string): CheckpointError {
    return new CheckpointError(`${this.source}: zip: ${message}`);
  }

  /** The end-of-central-directory record (and its zip64 twin when present), found from the end. */
  private endRecord(): { entries: number; cdOffset: number; cdSize: number } {
    const { bytes } = this;
    const r = this.r;
    let at = -1;
    // The record is 22 bytes plus a comment of at most 65535; it must end exactly at the file's end.
    for (let p = bytes.length - 22; p >= Math.max(0, bytes.length - 22 - 0xffff); p--) {
      if (r.u32(p) === EOCD && p + 22 + r.u16(p + 20) === bytes.length) {
        at = p;
        break;
      }
    }
    if (at < 0) throw this.error(`no end-of-central-directory record (${bytes.length} bytes): not a zip archive, or truncated`);
    if (r.u16(at + 4) !== 0 || r.u16(at + 6) !== 0) throw this.error('split (multi-disk) archives are not supported');
    let entries = r.u16(at + 10);
    let cdSize = r.u32(at + 12);
    let cdOffset = r.u32(at + 16);
    if (r.u16(at + 8) !== entries) throw this.error(`end record counts ${r.u16(at + 8)} entries on this disk but ${entries} in total`);
    const loc = at - 20;
    if (loc >= 0 && r.u32(loc) === ZIP64_LOCATOR) {
      const z = r.u64(loc + 8, 'zip64 end record offset');
      r.need(z, 56, 'zip64 end record');
      if (r.u32(z) !== ZIP64_EOCD) throw this.error(`zip64 locator points at byte ${z}, which holds no zip64 end record`);
      const e64 = r.u64(z + 32, 'zip64 entry count');
      const size64 = r.u64(z + 40, 'zip64 directory size');
      const off64 = r.u64(z + 48, 'zip64 directory offset');
      // Where the classic record is not saturated, both records must agree.
      if ((entries !== 0xffff && entries !== e64) || (cdSize !== SATURATED32 && cdSize !== size64) || (cdOffset !== SATURATED32 && cdOffset !== off64)) {
        throw this.error(`zip64 end record (${e64} entries, directory ${size64} bytes at ${off64}) disagrees with the classic one (${entries}, ${cdSize} at ${cdOffset})`);
      }
      [entries, cdSize, cdOffset] = [e64, size64, off64];
    } else if (entries === 0xffff || cdSize === SATURATED32 || cdOffset === SATURATED32) {
      throw this.error('end record needs a zip64 record that is missing');
    }
    const end = loc >= 0 && r.u32(loc) === ZIP64_LOCATOR ? Math.min(loc, r.u64(loc + 8, 'zip64 end record offset')) : at;
    if (cdOffset + cdSize > end) throw this.error(`central directory (${cdSize} bytes at ${cdOffset}) runs past the end records (byte ${end})`);
    // Each directory entry takes at least 46 bytes: refuse a count the directory cannot hold before looping.
    if (entries * 46 > cdSize) throw this.error(`${entries} entries cannot fit a ${cdSize}-byte central directory`);
    return { entries, cdOffset, cdSize };
  }

  private readDirectory(entries: number, cdOffset: number, cdSize: number): void {
    const r = this.r;
    let p = cdOffset;
    const spans: [number, number, string][] = [];
    for (let i = 0; i < entries; i++) {
      r.need(p, 46, `central directory entry ${i}`);
      if (r.u32(p) !== CENTRAL) throw this.error(`central directory entry ${i} at byte ${p} has a bad signature`);
      const flags = r.u16(p + 8), method = r.u16(p + 10), crc = r.u32(p + 16);
      let compressedSize = r.u32(p + 20), size = r.u32(p + 24);
      const nameLen = r.u16(p + 28), extraLen = r.u16(p + 30), commentLen = r.u16(p + 32);
      let localOffset = r.u32(p + 42);
      r.need(p + 46, nameLen + extraLen + commentLen, `central directory entry ${i}'s name and extra fields`);
      if (p + 46 + nameLen + extraLen + commentLen > cdOffset + cdSize) throw this.error(`central directory entry ${i} runs past the directory`);
      const name = decoder.decode(this.bytes.subarray(p + 46, p + 46 + nameLen));
      if (r.u16(p + 34) !== 0) throw this.error(`member '${name}' starts on another disk`);
      if (flags & 1) throw this.error(`member '${name}' is encrypted`);
      if (method !== 0 && method !== 8) throw this.error(`member '${name}' uses compression method ${method} (only stored and deflate are read)`);
      // Zip64 extended information: the saturated fields, in this order.
      if (compressedSize === SATURATED32 || size === SATURATED32 || localOffset === SATURATED32) {
        const z = this.zip64Extra(p + 46 + nameLen, extraLen, name);
        let q = 0;
        const next = (what: string) => {
          if (q + 8 > z.length) throw this.error(`member '${name}': zip64 extra field lacks its ${what}`);
          const v = r.u64(z.start + q, `member '${name}' ${what}`);
          q += 8;
          return v;
        };
        if (size === SATURATED32) size = next('size');
        if (compressedSize === SATURATED32) compressedSize = next('compressed size');
        if (localOffset === SATURATED32) localOffset = next('local header offset');
      }
      if (method === 0 && compressedSize !== size) throw this.error(`stored member '${name}' has compressed size ${compressedSize} but size ${size}`);
      if (this.members.has(name)) throw this.error(`member '${name}' appears twice`);
      const dataStart = this.localHeader(localOffset, name);
      if (dataStart + compressedSize > cdOffset) throw this.error(`member '${name}' (${compressedSize} bytes at ${dataStart}) runs into the central directory at ${cdOffset}`);
      spans.push([localOffset, dataStart + compressedSize, name]);
      this.members.set(name, { name, method, crc, compressedSize, size, dataStart });
      p += 46 + nameLen + extraLen + commentLen;
    }
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) {
      if (spans[i][0] < spans[i - 1][1]) throw this.error(`members '${spans[i - 1][2]}' and '${spans[i][2]}' overlap`);
    }
  }

  private zip64Extra(start: number, length: number, name: string): { start: number; length: number } {
    const r = this.r;
    for (let p = start; p + 4 <= start + length; ) {
      const id = r.u16(p), len = r.u16(p + 2);
      if (p + 4 + len > start + length) break;
      if (id === 0x0001) return { start: p + 4, length: len };
      p += 4 + len;
    }
    throw this.error(`member '${name}' has saturated sizes but no zip64 extra field`);
  }

  /** Check the local header against the directory; returns where the member's data starts. */
  private localHeader(offset: number, name: string): number {
    const r = this.r;
    r.need(offset, 30, `local header of '${name}'`);
    if (r.u32(offset) !== LOCAL) throw this.error(`local header of '${name}' at byte ${offset} has a bad signature`);
    const nameLen = r.u16(offset + 26), extraLen = r.u16(offset + 28);
    r.need(offset + 30, nameLen + extraLen, `local header of '${name}'`);
    const localName = decoder.decode(this.bytes.subarray(offset + 30, offset + 30 + nameLen));
    if (localName !== name) throw this.error(`local header at byte ${offset} names '${localName}' but the directory says '${name}'`);
    return offset + 30 + nameLen + extraLen;
  }

  has(name: string): boolean {
    return this.members.has(name);
  }

  /**
   * A member's bytes, CRC-checked: a view into the file for stored members, a fresh buffer
   * (counted against the budget before it is allocated) for deflated ones.
   */
  read(name: string): Uint8Array {
    const m = this.members.get(name);
    if (!m) throw this.error(`no member '${name}'`);
    const raw = this.bytes.subarray(m.dataStart, m.dataStart + m.compressedSize);
    let data = raw;
    if (m.method === 8) {
      this.budget.take(m.size, `inflating zip member '${name}'`);
      data = inflateRaw(raw, m.size, (msg) => this.error(`member '${name}': ${msg}`));
    }
    const crc = this.checksum(data) >>> 0;
    if (crc !== m.crc) throw this.error(`member '${name}' is corrupt: CRC-32 ${hex(crc)} but the directory records ${hex(m.crc)}`);
    return data;
  }
}

const hex = (v: number) => `0x${v.toString(16).padStart(8, '0')}`;

/** A zip archive starts with a local header (or, if empty, with the end record). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const sig = bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24);
  return sig >>> 0 === LOCAL || sig >>> 0 === EOCD;
}
