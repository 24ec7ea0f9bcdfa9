import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFormatError, DataNotFoundError, parseIdx } from '../src/index.js';
import { gunzipBounded, loadFashionMnist, loadIdxPair, loadMnist } from '../src/node.js';
import { gzip, idxBytes, patternBytes, tempDir, writeFile } from './helpers/writers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const N = 7;
const ROWS = 5;
const COLS = 4;
const pixels = patternBytes(N * ROWS * COLS);
const labels = [3, 0, 9, 1, 1, 7, 2];

function pair(name: string, compress: boolean): { imagesFile: string; labelsFile: string } {
  const wrap = compress ? gzip : (b: Uint8Array) => b;
  const ext = compress ? '.gz' : '';
  return {
    imagesFile: writeFile(dir, `${name}-images-idx3-ubyte${ext}`, wrap(idxBytes([N, ROWS, COLS], pixels))),
    labelsFile: writeFile(dir, `${name}-labels-idx1-ubyte${ext}`, wrap(idxBytes([N], labels))),
  };
}

describe('IDX reader', () => {
  for (const compress of [false, true]) {
    it(`reads ${compress ? 'gzipped' : 'plain'} image and label files`, () => {
      const ds = loadIdxPair({ name: 'toy', ...pair(`toy${compress}`, compress), numClasses: 10, howToGetIt: 'n/a' });
      expect(ds.shape).toEqual([N, 1, ROWS, COLS]);
      expect(Array.from(ds.labels)).toEqual(labels);
      for (let i = 0; i < pixels.length; i++) expect(ds.images[i]).toBeCloseTo(pixels[i] / 255, 7);
      expect(ds.images[0]).toBe(Math.fround(pixels[0] / 255));
    });
  }

  it('keeps only the first `limit` examples', () => {
    const ds = loadIdxPair({ name: 'toy', ...pair('lim', false), numClasses: 10, howToGetIt: 'n/a', limit: 3 });
    expect(ds.shape).toEqual([3, 1, ROWS, COLS]);
    expect(Array.from(ds.labels)).toEqual(labels.slice(0, 3));
  });

  it('parses the header: dims big-endian, data after it', () => {
    const arr = parseIdx(idxBytes([2, 300], new Uint8Array(600).fill(4)), 'mem');
    expect(arr.dims).toEqual([2, 300]);
    expect(arr.data.length).toBe(600);
  });

  const refused: [string, Uint8Array, RegExp][] = [
    ['bad magic', Uint8Array.of(1, 0, 8, 1, 0, 0, 0, 0), /magic number/],
    ['float elements', idxBytes([1], [0, 0, 0, 0], 0x0d), /0x0d \(float32\) is not supported/],
    ['truncated header', Uint8Array.of(0, 0, 8, 3, 0, 0), /truncated IDX header/],
    ['truncated data', idxBytes([2, 2, 2], patternBytes(8)).subarray(0, 20), /truncated/],
    ['trailing bytes', new Uint8Array([...idxBytes([1, 1, 1], [5]), 9]), /trailing bytes/],
    ['lying dims', idxBytes([0xffffffff, 28, 28], []), /need \d+ bytes/],
  ];
  for (const [what, bytes, message] of refused) {
    it(`refuses ${what} with a DataFormatError naming the file`, () => {
      expect(() => parseIdx(bytes, '/data/x-idx3-ubyte')).toThrow(DataFormatError);
      expect(() => parseIdx(bytes, '/data/x-idx3-ubyte')).toThrow(/^\/data\/x-idx3-ubyte: /);
      expect(() => parseIdx(bytes, '/data/x-idx3-ubyte')).toThrow(message);
    });
  }

  it('refuses a wrong rank, mismatched counts and labels out of range', () => {
    const base = pair('checks', false);
    const wrongRank = writeFile(dir, 'rank-labels', idxBytes([N, 1], labels));
    expect(() => loadIdxPair({ name: 't', ...base, labelsFile: wrongRank, numClasses: 10, howToGetIt: '' })).toThrow(/rank is 2, expected 1/);
    const short = writeFile(dir, 'short-labels', idxBytes([N - 1], labels.slice(1)));
    expect(() => loadIdxPair({ name: 't', ...base, labelsFile: short, numClasses: 10, howToGetIt: '' })).toThrow(/6 labels for the 7 images/);
    expect(() => loadIdxPair({ name: 't', ...base, numClasses: 9, howToGetIt: '' })).toThrow(/label 9 of example 2 is outside \[0, 9\)/);
  });

  it('refuses files over maxBytes before reading them, and gzip streams that inflate past it', () => {
    const { imagesFile, labelsFile } = pair('big', false);
    expect(() => loadIdxPair({ name: 't', imagesFile, labelsFile, numClasses: 10, howToGetIt: '', maxBytes: 100 })).toThrow(
      /bytes, more than the limit of 100/,
    );
    const bomb = writeFile(dir, 'bomb.gz', gzip(new Uint8Array(1 << 20)));
    const small = writeFile(dir, 'small-labels', idxBytes([1], [0]));
    expect(() => loadIdxPair({ name: 't', imagesFile: bomb, labelsFile: small, numClasses: 10, howToGetIt: '', maxBytes: 1 << 16 })).toThrow(
      DataFormatError,
    );
  });

  it('stops inflating at maxBytes even when the gzip trailer lies about the size', () => {
    const bomb = gzip(new Uint8Array(1 << 20));
    new DataView(bomb.buffer).setUint32(bomb.length - 4, 100, true); // claims 100 bytes
    expect(() => gunzipBounded(bomb, 'bomb.gz', { maxBytes: 1 << 16 })).toThrow(/^bomb\.gz: corrupt or oversized gzip data/);
    expect(gunzipBounded(gzip(new Uint8Array(1000)), 'ok.gz', { maxBytes: 1000 }).length).toBe(1000);
  });

  it('a missing file raises DataNotFoundError naming it and where to get the data', () => {
    const missing = join(dir, 'nowhere');
    expect(() => loadFashionMnist({ dir: missing })).toThrow(DataNotFoundError);
    expect(() => loadFashionMnist({ dir: missing })).toThrow(/nowhere\/train-images-idx3-ubyte\(\.gz\): file not found/);
    expect(() => loadFashionMnist({ dir: missing })).toThrow(/apt-get install dataset-fashion-mnist/);
    expect(() => loadMnist({ dir: missing, split: 'test' })).toThrow(/t10k-images-idx3-ubyte/);
  });

  it('the Fashion-MNIST and MNIST loaders find MNIST-named files (plain or .gz) in a named directory', () => {
    const sub = join(dir, 'fm');
    mkdirSync(sub);
    writeFileSync(join(sub, 'train-images-idx3-ubyte.gz'), gzip(idxBytes([N, 28, 28], patternBytes(N * 784))));
    writeFileSync(join(sub, 'train-labels-idx1-ubyte'), idxBytes([N], labels));
    const ds = loadFashionMnist({ dir: sub });
    expect(ds.name).toBe('fashion-mnist-train');
    expect(ds.classNames?.[9]).toBe('Ankle boot');
    expect(Array.from(ds.labels)).toEqual(labels);
    expect(loadMnist({ dir: sub }).shape).toEqual([N, 1, 28, 28]);
  });
});
