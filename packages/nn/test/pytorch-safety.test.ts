import { crc32 as zlibCrc32, deflateRawSync, constants as zlib } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CheckpointError, readTorchCheckpoint } from '../src/index.js';
import { crc32 } from '../src/pytorch/crc32.js';
import { inflateRaw } from '../src/pytorch/inflate.js';
import { pickleBytes, str, torchZip, writeZip } from './zip-writer.js';

const refuse = (bytes: Uint8Array, message: RegExp, opts = {}) => {
  const read = () => readTorchCheckpoint(bytes, opts).stateDict();
  expect(read).toThrow(CheckpointError);
  expect(read).toThrow(message);
};

const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const u64 = (v: number) => [...u32(v % 2 ** 32), ...u32(Math.floor(v / 2 ** 32))];
const time = (f: () => void) => {
  const t0 = performance.now();
  try {
    f();
  } catch {
    // the caller checks the error separately
  }
  return performance.now() - t0;
};

/** {'w': _rebuild_tensor_v2(<FloatStorage '0' of `numel`>, 0, size, stride, False, OrderedDict())} as protocol 2. */
function tensorPickle(numel: number, size: number[], stride: number[], key: Uint8Array = str('w')): Uint8Array {
  const tuple = (xs: number[]) => ['(', ...xs.map((x) => pickleBytes('J', u32(x))), 't'];
  return pickleBytes(
    '\x80\x02}', key, 'ctorch._utils\n_rebuild_tensor_v2\n(',
    '(', str('storage'), 'ctorch\nFloatStorage\n', str('0'), str('cpu'), 'J', u32(numel), 'tQ',
    'K\x00', ...tuple(size), ...tuple(stride), '\x89ccollections\nOrderedDict\n)R', 'tR', 's.',
  );
}

describe('crafted pickles', () => {
  it.each([
    ['REDUCE on a string', pickleBytes('\x80\x02', str('os.system'), str('ls'), '\x85R.'), /REDUCE on str "os.system": only the allowlisted rebuild functions may be called/],
    ['REDUCE on an allowlisted non-callable', pickleBytes('\x80\x02ctorch\nFloatStorage\n)R.'), /REDUCE on global torch.FloatStorage/],
    ['STACK_GLOBAL of builtins.eval', pickleBytes('\x80\x04', '\x8c\x08builtins\x8c\x04eval\x93.'), /global 'builtins.eval' is not on the allowlist/],
    ['NEWOBJ', pickleBytes('\x80\x02ccollections\nOrderedDict\n)\x81.'), /opcode NEWOBJ is not needed by a state dict and is refused/],
    ['BUILD on a plain dict', pickleBytes('\x80\x02}}b.'), /BUILD of dict of 0 keys with dict of 0 keys: only an OrderedDict's attributes are read/],
    ['a memo read before any write', pickleBytes('\x80\x02h\x05.'), /memo entry 5 is read before it is written/],
    ['a 1 GB integer', pickleBytes('\x80\x02\x8b', u32(1e9)), /integer of 1000000000 bytes is larger than a checkpoint needs/],
    ['a string longer than the file', pickleBytes('\x80\x04\x8d', u64(2 ** 52), 'abc'), /string of 4503599627370496 bytes runs past the end of the pickle/],
    ['a pickle without STOP', pickleBytes('\x80\x02}'), /pickle ends without STOP \(truncated\)/],
    ['protocol 0 text opcodes', pickleBytes('I42\n.'), /opcode INT \(protocol 0\) is not needed/],
    ['protocol 6', pickleBytes('\x80\x06}.'), /pickle protocol 6 is not read/],
    ['a list that contains itself', pickleBytes('\x80\x02]q\x00h\x00a.'), /the object graph has a cycle \(a list of 1 contains itself/],
    ['a dict that contains itself', pickleBytes('\x80\x02}q\x00X\x01\x00\x00\x00ah\x00s.'), /has a cycle \(a dict of 1 keys contains itself/],
    ['a non-dict root', pickleBytes('\x80\x02]K\x01a.'), /the file holds list of 1, not a state dict/],
    ['a storage id that is not a storage', pickleBytes('\x80\x02', str('module'), '\x85Q.'), /is not a storage reference \('module' ids are source code and are refused\)/],
  ])('refuses %s', (_name, pickle, message) => refuse(torchZip(pickle), message));

  it('walks shared (memoized) structure in linear time: 2^40 paths through 40 lists', () => {
    // L0 = []; L(i+1) = [Li, Li]: a DAG with 2^40 root-to-leaf paths but 41 nodes.
    const parts: (string | number[])[] = ['\x80\x02]q\x000'];
    for (let i = 1; i <= 40; i++) parts.push('(h', [i - 1], 'h', [i - 1], 'lq', [i], '0');
    parts.push('h', [40], '.');
    const bytes = torchZip(pickleBytes(...parts));
    expect(time(() => readTorchCheckpoint(bytes))).toBeLessThan(1000);
    refuse(bytes, /the file holds list of 2, not a state dict/);
  });

  it('handles 100,000 levels of nesting without recursion', () => {
    const n = 100_000;
    const bytes = torchZip(pickleBytes('\x80\x02', ']'.repeat(n), 'a'.repeat(n - 1), '.'));
    expect(time(() => readTorchCheckpoint(bytes))).toBeLessThan(1000);
    refuse(bytes, /the file holds list of 1, not a state dict/);
  });

  it('reads a crafted state dict, and bounds what a stride-0 view may expand to before allocating', () => {
    const ok = torchZip(tensorPickle(6, [2, 3], [3, 1]), { 0: new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer) });
    expect(Array.from(readTorchCheckpoint(ok).tensor('w').dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    // 10^10 elements viewed from a 4-byte storage: refused by the budget, nothing allocated.
    const huge = torchZip(tensorPickle(1, [100_000, 100_000], [0, 0]), { 0: new Uint8Array(4) });
    const ckpt = readTorchCheckpoint(huge);
    expect(() => ckpt.tensor('w')).toThrow(/tensor 'w' \(tensor float32 \[100000, 100000\] as float32\) needs 40000000000 bytes, over the reader's limit/);
    expect(ckpt.allocatedBytes).toBe(0);
    // A storage whose record is shorter than the pickle declares.
    refuse(torchZip(tensorPickle(1000, [1000], [1]), { 0: new Uint8Array(4) }), /storage '0' should hold 1000 float32 elements \(4000 bytes\) but 'archive\/data\/0' has 4 bytes/);
    refuse(torchZip(tensorPickle(6, [2, 3], [3, 1])), /storage '0' has no member 'archive\/data\/0'/);
    // Python 2 str keys (SHORT_BINSTRING) are ISO-8859-1, byte for byte (0x80 is U+0080, not the euro sign).
    const py2 = torchZip(tensorPickle(6, [2, 3], [3, 1], pickleBytes('U\x02w\x80')), { 0: new Uint8Array(24) });
    expect([...readTorchCheckpoint(py2).entries.keys()]).toEqual(['w\u0080']);
    refuse(torchZip(tensorPickle(6, [3, 3], [3, 1]), { 0: new Uint8Array(24) }), /reaches element 8, past the storage's 6/);
  });
});

describe('the zip container', () => {
  const pickle = tensorPickle(6, [2, 3], [3, 1]);
  const data = new Uint8Array(24);

  it('refuses a zip bomb: a member inflating past its declared size stops there, at once', () => {
    const bomb = writeZip([{ name: 'archive/data.pkl', data: new Uint8Array(50 << 20), deflate: true, claimSize: 1000 }]);
    expect(bomb.length).toBeLessThan(100_000);
    expect(time(() => readTorchCheckpoint(bomb))).toBeLessThan(500);
    refuse(bomb, /member 'archive\/data.pkl': inflates past its declared size of 1000 bytes/);
  });

  it('refuses a deflated member whose declared size is over the budget, before inflating it', () => {
    const big = writeZip([{ name: 'archive/data.pkl', data: new Uint8Array(50 << 20), deflate: true }]);
    expect(time(() => readTorchCheckpoint(big))).toBeLessThan(500);
    refuse(big, /inflating zip member 'archive\/data.pkl' needs 52428800 bytes, over the reader's limit \(0 of \d+ bytes already used/);
    // With the limit raised (a trusted file) it inflates, and then fails as the pickle it is not.
    refuse(big, /unknown opcode 0x00/, { limits: { maxBytes: 60 << 20 } });
  });

  it.each([
    ['a wrong CRC', [{ name: 'archive/data.pkl', data: pickle, claimCrc: 1234 }], /member 'archive\/data.pkl' is corrupt: CRC-32 0x[0-9a-f]{8} but the directory records 0x000004d2/],
    ['a stored member whose sizes disagree', [{ name: 'archive/data.pkl', data: pickle, claimSize: 3 }], /stored member 'archive\/data.pkl' has compressed size \d+ but size 3/],
    ['a deflated member shorter than declared', [{ name: 'archive/data.pkl', data: pickle, deflate: true, claimSize: pickle.length + 10 }], /inflates to \d+ bytes but declares \d+/],
    ['two data.pkl', [{ name: 'a/data.pkl', data: pickle }, { name: 'b/data.pkl', data: pickle }], /exactly one '<name>\/data.pkl', this one has 2/],
    ['a duplicate member', [{ name: 'archive/data.pkl', data: pickle }, { name: 'archive/data.pkl', data: pickle }], /member 'archive\/data.pkl' appears twice/],
    ['a TorchScript archive', [{ name: 'archive/data.pkl', data: pickle }, { name: 'archive/constants.pkl', data }], /TorchScript archive/],
  ])('refuses %s', (_name, members, message) => refuse(writeZip(members), message));

  it('refuses lies in the end record, the directory and the local headers', () => {
    const good = torchZip(pickle, { 0: data });
    const eocd = good.length - 22;
    const cdOffset = new DataView(good.buffer).getUint32(eocd + 16, true);
    const patch = (at: number, v: number, width: 2 | 4 = 4) => {
      const b = good.slice();
      if (width === 4) new DataView(b.buffer).setUint32(at, v, true);
      else new DataView(b.buffer).setUint16(at, v, true);
      return b;
    };
    refuse(good.subarray(0, good.length - 1), /no end-of-central-directory record/);
    refuse(patch(eocd + 10, 5000, 2), /end record counts 3 entries on this disk but 5000 in total/);
    refuse(patch(eocd + 8, 5000, 2).map((x, i) => (i === eocd + 10 || i === eocd + 11 ? [0x88, 0x13][i - eocd - 10] : x)), /5000 entries cannot fit a \d+-byte central directory/);
    refuse(patch(eocd + 16, good.length), /central directory \(\d+ bytes at \d+\) runs past the end records/);
    refuse(patch(cdOffset + 42, 10 ** 6), /local header of 'archive\/data.pkl' at byte 1000000 \(30 bytes\) runs past the end of the file/);
    refuse(patch(cdOffset + 42, 5), /local header of 'archive\/data.pkl' at byte 5 has a bad signature/);
    refuse(patch(cdOffset + 20, 10 ** 7).slice(), /stored member 'archive\/data.pkl' has compressed size 10000000 but size/);
    refuse(patch(cdOffset + 10, 12, 2), /member 'archive\/data.pkl' uses compression method 12 \(only stored and deflate are read\)/);
    refuse(patch(cdOffset + 8, 1, 2), /member 'archive\/data.pkl' is encrypted/);
    const renamed = good.slice();
    renamed[30 + 'archive/'.length] = 'D'.charCodeAt(0); // local header says 'archive/Data.pkl'
    refuse(renamed, /local header at byte 0 names 'archive\/Data.pkl' but the directory says 'archive\/data.pkl'/);
  });

  it('refuses members that overlap (the overlapping-files zip bomb)', () => {
    const inner = writeZip([{ name: 'archive/version', data: new Uint8Array([51, 10]) }]).subarray(0, 32 + 'archive/version'.length);
    const zip = writeZip([{ name: 'archive/data.pkl', data: pickle }, { name: 'archive/hidden', data: inner }, { name: 'archive/version', data: new Uint8Array([51, 10]) }]);
    // Point the directory's 'archive/version' at the local header hidden inside 'archive/hidden'.
    const view = new DataView(zip.buffer);
    const hiddenData = 30 + 'archive/data.pkl'.length + pickle.length + 30 + 'archive/hidden'.length;
    const cd = view.getUint32(zip.length - 22 + 16, true);
    const third = cd + 2 * 46 + 'archive/data.pkl'.length + 'archive/hidden'.length;
    view.setUint32(third + 42, hiddenData, true);
    refuse(zip, /members 'archive\/hidden' and 'archive\/version' overlap/);
  });
});

describe('inflate and CRC-32 agree with zlib', () => {
  const data = fc.oneof(
    fc.uint8Array({ maxLength: 5000 }),
    // Compressible: runs and repeats exercise long matches and distances.
    fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 400 })), { maxLength: 60 }).map((runs) => Uint8Array.from(runs.flatMap(([v, n]) => Array(n).fill(v)))),
  );

  it('inflates what zlib deflates, at every level and strategy', () => {
    const strategies = [zlib.Z_DEFAULT_STRATEGY, zlib.Z_FIXED, zlib.Z_HUFFMAN_ONLY, zlib.Z_RLE, zlib.Z_FILTERED];
    fc.assert(
      fc.property(data, fc.integer({ min: 0, max: 9 }), fc.constantFrom(...strategies), (input, level, strategy) => {
        const packed = deflateRawSync(input, { level, strategy });
        expect(inflateRaw(new Uint8Array(packed), input.length, (m) => new CheckpointError(m))).toEqual(input);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses every truncation of a deflate stream, and any stream that runs past its size', () => {
    const input = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) % 13);
    const packed = new Uint8Array(deflateRawSync(input));
    for (let cut = 0; cut < packed.length; cut++) {
      expect(() => inflateRaw(packed.subarray(0, cut), input.length, (m) => new CheckpointError(m))).toThrow(CheckpointError);
    }
    expect(() => inflateRaw(packed, input.length - 1, (m) => new CheckpointError(m))).toThrow(/inflates past its declared size of 2999 bytes/);
  });

  it('computes the zip CRC-32', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), (b) => crc32(b) === zlibCrc32(b)), { numRuns: 300 });
  });
});
