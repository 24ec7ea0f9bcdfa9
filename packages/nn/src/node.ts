/**
 * @kwta/nn/node: safetensors and PyTorch checkpoint files on disk (Node's fs). The safetensors
 * header length is checked against the file size, and the header against the model, before the
 * data section is read; a checkpoint is read whole and checked as `readTorchCheckpoint` says.
 */
import { constants } from 'node:buffer';
import * as zlib from 'node:zlib';
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { Tensor } from '@kwta/core';
import { writeFileAtomic } from './files/atomic.js';
import type { FiniteOptions } from './finite.js';
import { Module, type StateDict } from './module.js';
import { applyPlan, decodeEntries, encodeSafetensors, planLoad } from './safetensors/codec.js';
import { SafetensorsError, checkHeaderLength, parseHeader, type Header } from './safetensors/header.js';
import { CheckpointError } from './pytorch/errors.js';
import { loadCheckpointInto, type LoadCheckpointOptions, type LoadReport } from './pytorch/load.js';
import { readTorchCheckpoint, type ReadCheckpointOptions, type TorchCheckpoint } from './pytorch/state-dict.js';

export { SafetensorsError, CheckpointError };
export { writeFileAtomic } from './files/atomic.js';
export { removeStaleTemps } from './files/temps.js';
export { makeDirectory, prepareOutputDir, prepareOutputFile } from './files/directories.js';
export { FileError, describeFsError } from './files/errors.js';

/** Write a model's state dict (or any named tensors) to `path` in the safetensors format, atomically. */
export function saveSafetensors(path: string, source: Module | StateDict | Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeSafetensors(source instanceof Module ? source.stateDict() : source, metadata));
}

function readExactly(fd: number, length: number, position: number, path: string): Uint8Array {
  const buf = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw new SafetensorsError(`${path}: file ended after ${position + done} bytes while reading`);
    done += n;
  }
  return buf;
}

/** Open `path`, validate its framing and header, and hand them to `use` with a data reader. */
function withFile<T>(path: string, use: (header: Header, readData: () => Uint8Array) => T): T {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const n = checkHeaderLength(path, readExactly(fd, Math.min(8, size), 0, path), size);
    const header = parseHeader(path, readExactly(fd, n, 8, path), size - 8 - n);
    return use(header, () => readExactly(fd, size - header.dataStart, header.dataStart, path));
  } finally {
    closeSync(fd);
  }
}

/** The metadata of a safetensors file; only its header is read. */
export function readSafetensorsMetadata(path: string): Record<string, string> {
  return withFile(path, (header) => header.metadata);
}

/** Read every tensor of a safetensors file (the whole header is validated before decoding). */
export function loadSafetensors(path: string): { tensors: StateDict; metadata: Record<string, string> } {
  return withFile(path, (header, readData) => ({ tensors: decodeEntries(path, header, readData()), metadata: header.metadata }));
}

/**
 * Load a safetensors file into `model`: framing, header, keys (when strict), shapes and dtypes
 * are all checked before the data section is read; then every value is checked finite (unless
 * `checkFinite: false`) before any is copied in place.
 */
export function loadSafetensorsInto(model: Module, path: string, opts: { strict?: boolean } & FiniteOptions = {}): void {
  const strict = opts.strict ?? true;
  withFile(path, (header, readData) => applyPlan(path, model, planLoad(path, header, model, strict), readData(), strict, opts.checkFinite ?? true));
}

/** Read a `torch.save` file (.pt / .pth, zip or legacy format) from disk; nothing in it is executed. */
export function readTorchCheckpointFile(path: string, opts: Omit<ReadCheckpointOptions, 'source'> = {}): TorchCheckpoint {
  const size = statSync(path).size;
  if (size > constants.MAX_LENGTH) throw new CheckpointError(`${path}: ${size} bytes is more than one buffer can hold (${constants.MAX_LENGTH})`);
  return readTorchCheckpoint(readFileSync(path), { crc32: zlib.crc32, ...opts, source: path });
}

/** Load a `torch.save` file into `model` (names, shapes and dtypes checked before decoding). */
export function loadTorchCheckpoint(model: Module, path: string, opts: Omit<LoadCheckpointOptions, 'source'> = {}): LoadReport {
  return loadCheckpointInto(model, readTorchCheckpointFile(path, opts), opts.strict ?? true, opts.checkFinite ?? true);
}
