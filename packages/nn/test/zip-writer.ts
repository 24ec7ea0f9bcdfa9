import { crc32, deflateRawSync } from 'node:zlib';

/**
 * A minimal zip writer for crafting test archives (stored or deflated members, optional lies
 * in the directory): the tests' counterpart of src/pytorch/zip.ts, built on Node's zlib.
 */
export interface CraftedMember {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  /** Override what the central directory claims. */
  claimSize?: number;
  claimCrc?: number;
}

function record(size: number, fields: [number, number, 2 | 4][]): Buffer {
  const b = Buffer.alloc(size);
  for (const [at, v, n] of fields) {
    if (n === 2) b.writeUInt16LE(v, at);
    else b.writeUInt32LE(v, at);
  }
  return b;
}

export function writeZip(members: CraftedMember[]): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name);
    const body = m.deflate ? deflateRawSync(m.data) : Buffer.from(m.data);
    const crc = m.claimCrc ?? crc32(m.data);
    const size = m.claimSize ?? m.data.length;
    const method = m.deflate ? 8 : 0;
    // [offset, value, bytes] of each field; everything else stays zero.
    const local = record(30, [[0, 0x04034b50, 4], [4, 20, 2], [8, method, 2], [14, crc, 4], [18, body.length, 4], [22, size, 4], [26, name.length, 2]]);
    const cd = record(46, [[0, 0x02014b50, 4], [4, 20, 2], [6, 20, 2], [10, method, 2], [16, crc, 4], [20, body.length, 4], [24, size, 4], [28, name.length, 2], [42, offset, 4]]);
    parts.push(local, name, body);
    central.push(cd, name);
    offset += 30 + name.length + body.length;
  }
  const cdBytes = Buffer.concat(central);
  const end = record(22, [[0, 0x06054b50, 4], [8, members.length, 2], [10, members.length, 2], [12, cdBytes.length, 4], [16, offset, 4]]);
  return new Uint8Array(Buffer.concat([...parts, cdBytes, end]));
}

/** Pickle bytes from a mix of opcode strings (latin-1) and byte arrays. */
export function pickleBytes(...parts: (string | number[] | Uint8Array)[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)))));
}

/** A torch.save-shaped archive around one pickle and its storages (`data/<key>` members). */
export function torchZip(pickle: Uint8Array, storages: Record<string, Uint8Array> = {}): Uint8Array {
  return writeZip([
    { name: 'archive/data.pkl', data: pickle },
    ...Object.entries(storages).map(([k, data]) => ({ name: `archive/data/${k}`, data })),
    { name: 'archive/version', data: new TextEncoder().encode('3\n') },
  ]);
}

/** BINUNICODE of a string (pickle opcode X). */
export function str(s: string): Uint8Array {
  const b = Buffer.from(s, 'utf8');
  const h = Buffer.alloc(5);
  h.write('X', 0, 'latin1');
  h.writeUInt32LE(b.length, 1);
  return new Uint8Array(Buffer.concat([h, b]));
}
