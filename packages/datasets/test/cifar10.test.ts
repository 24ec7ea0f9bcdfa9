import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CIFAR10_SOURCE, DataFormatError, DataNotFoundError, validateCifar10Batch } from '../src/index.js';
import { loadCifar10, readCifar10Batches } from '../src/node.js';
import { cifarBytes, patternBytes, tempDir, writeFile } from './helpers/writers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const trainLabels = [[6, 9, 9], [4, 1], [1, 2], [7, 8], [3, 0, 5]];
const testLabels = [3, 8, 8, 0];
trainLabels.forEach((labels, b) => writeFile(dir, `data_batch_${b + 1}.bin`, cifarBytes(labels, patternBytes(labels.length * 3072, b + 1))));
writeFile(dir, 'test_batch.bin', cifarBytes(testLabels, patternBytes(testLabels.length * 3072, 9)));

describe('CIFAR-10 binary batches', () => {
  it('reads the five training batches in order, pixels as R, G, B planes of 32x32', () => {
    const ds = loadCifar10({ dir });
    expect(ds.name).toBe('cifar10-train');
    expect(ds.shape).toEqual([12, 3, 32, 32]);
    expect(Array.from(ds.labels)).toEqual(trainLabels.flat());
    // Record 3 is the first of batch 2: its green pixel at row 5, column 7.
    const batch2 = patternBytes(2 * 3072, 2);
    expect(ds.images[3 * 3072 + 1024 + 5 * 32 + 7]).toBe(Math.fround(batch2[1024 + 5 * 32 + 7] / 255));
    expect(ds.classNames?.[0]).toBe('airplane');
  });

  it('reads the test batch and honours limit', () => {
    const ds = loadCifar10({ dir, split: 'test', limit: 3 });
    expect(ds.shape).toEqual([3, 3, 32, 32]);
    expect(Array.from(ds.labels)).toEqual(testLabels.slice(0, 3));
    const pixels = patternBytes(4 * 3072, 9);
    for (let i = 0; i < 3 * 3072; i += 97) expect(ds.images[i]).toBe(Math.fround(pixels[i] / 255));
  });

  it('refuses partial records and labels outside 0-9, naming the file', () => {
    const good = cifarBytes([1, 2], patternBytes(2 * 3072));
    expect(() => validateCifar10Batch(good.subarray(0, 3073 + 100), 'b.bin')).toThrow(/^b\.bin: .*not a whole number of 3073-byte records/);
    expect(() => validateCifar10Batch(new Uint8Array(0), 'b.bin')).toThrow(DataFormatError);
    const badLabel = good.slice();
    badLabel[3073] = 10;
    expect(() => validateCifar10Batch(badLabel, 'b.bin')).toThrow(/label 10 of record 1 is outside \[0, 10\)/);
    const file = writeFile(dir, 'bad.bin', badLabel);
    expect(() => readCifar10Batches([file])).toThrow(DataFormatError);
  });

  it('a missing batch names the file and where CIFAR-10 comes from', () => {
    const missing = join(dir, 'absent');
    expect(() => loadCifar10({ dir: missing })).toThrow(DataNotFoundError);
    expect(() => loadCifar10({ dir: missing })).toThrow(/absent\/data_batch_1\.bin: file not found/);
    expect(() => loadCifar10({ dir: missing })).toThrow(CIFAR10_SOURCE);
  });
});
