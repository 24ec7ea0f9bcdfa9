import { DataFormatError } from '../errors.js';
import { allocatePixels, bytesToUnit, checkLimit, createDataset, type ImageDataset } from '../dataset.js';

/**
 * The IDX format of MNIST and Fashion-MNIST: two zero bytes, an element-type byte, a rank byte,
 * then one big-endian uint32 per dimension, then the elements row-major. Only unsigned bytes
 * (type 0x08) occur in image and label files, so only those are read.
 */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

const IDX_UBYTE = 0x08;
const IDX_TYPE_NAMES: Record<number, string> = { 0x09: 'int8', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };

/** Parses IDX bytes after checking the magic number and that the dimensions fill the file exactly. */
export function parseIdx(bytes: Uint8Array, file: string, expectedRank?: number): IdxArray {
  if (bytes.length < 4) throw new DataFormatError(file, `IDX file of ${bytes.length} bytes is too short for the 4-byte magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataFormatError(file, `not an IDX file: magic number starts 0x${hex(bytes[0])}${hex(bytes[1])}, expected 0x0000`);
  }
  const type = bytes[2];
  if (type !== IDX_UBYTE) {
    const known = IDX_TYPE_NAMES[type];
    throw new DataFormatError(
      file,
      `IDX element type 0x${hex(type)}${known ? ` (${known})` : ' (unknown)'} is not supported; image and label files use 0x08 (unsigned byte)`,
    );
  }
  const rank = bytes[3];
  if (expectedRank !== undefined && rank !== expectedRank) {
    throw new DataFormatError(file, `IDX rank is ${rank}, expected ${expectedRank}`);
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new DataFormatError(file, `truncated IDX header: rank ${rank} needs ${headerBytes} bytes, file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < rank; d++) {
    dims.push(view.getUint32(4 + 4 * d, false));
    count *= dims[d];
  }
  const expected = headerBytes + count;
  if (expected !== bytes.length) {
    const kind = expected > bytes.length ? 'truncated' : 'has trailing bytes';
    throw new DataFormatError(
      file,
      `IDX dimensions [${dims.join(', ')}] need ${expected} bytes, file has ${bytes.length} (${kind})`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Options of a dataset made from IDX images and labels: its name, classes and an example limit. */
export interface IdxDatasetOptions {
  readonly name: string;
  readonly numClasses: number;
  readonly classNames?: readonly string[];
  /** Keep only the first `limit` examples (both arrays are still checked whole). */
  readonly limit?: number;
  /** What the arrays came from, named in errors (file paths or URLs). */
  readonly imagesSource: string;
  readonly labelsSource: string;
}

/**
 * An image array (rank 3: N, rows, cols) and its label array (rank 1: N), as parsed by
 * `parseIdx`, made a 1-channel dataset after checking that they agree and labels are in range.
 */
export function idxDataset(images: IdxArray, labels: IdxArray, options: IdxDatasetOptions): ImageDataset {
  const { imagesSource, labelsSource, numClasses } = options;
  if (images.dims.length !== 3) throw new DataFormatError(imagesSource, `IDX rank is ${images.dims.length}, expected 3 (images: N, rows, cols)`);
  if (labels.dims.length !== 1) throw new DataFormatError(labelsSource, `IDX rank is ${labels.dims.length}, expected 1 (labels: N)`);
  const [n, rows, cols] = images.dims;
  if (labels.dims[0] !== n) {
    throw new DataFormatError(labelsSource, `${labels.dims[0]} labels for the ${n} images of ${imagesSource}`);
  }
  for (let i = 0; i < n; i++) {
    if (labels.data[i] >= numClasses) {
      throw new DataFormatError(labelsSource, `label ${labels.data[i]} of example ${i} is outside [0, ${numClasses})`);
    }
  }
  const m = options.limit === undefined ? n : Math.min(n, checkLimit(options.name, options.limit));
  const per = rows * cols;
  return createDataset({
    name: options.name,
    images: bytesToUnit(images.data.subarray(0, m * per), allocatePixels(options.name, m * per)),
    labels: Int32Array.from(labels.data.subarray(0, m)),
    shape: [m, 1, rows, cols],
    numClasses,
    classNames: options.classNames,
  });
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
