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

export function writeZip(members: CraftedMember[]): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name);
    const body = m.deflate ? deflateRawSync(m.data) : Buffer.from(m.data);
    const crc = m.claimCrc ?? crc32(m.data);
    const size = m.claimSize ?? m.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(m.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(m.deflate ? 8 : 0, 10);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(body.length, 20);
    cd.writeUInt32LE(size, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    parts.push(local, name, body);
    central.push(cd, name);
    offset += 30 + name.length + body.length;
  }
  const cdBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cdBytes.length, 12);
  end.writeUInt32LE(offset, 16);
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
