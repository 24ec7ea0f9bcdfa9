/**
 * @kwta/nn/node: safetensors files on disk (Node's fs). The header length is checked against the
 * file size, and the header against the model, before the data section is read.
 */
import { closeSync, fstatSync, openSync, readSync, writeFileSync } from 'node:fs';
import type { Tensor } from '@kwta/core';
import { Module, type StateDict } from './module.js';
import { applyPlan, decodeEntries, encodeSafetensors, planLoad } from './safetensors/codec.js';
import { SafetensorsError, checkHeaderLength, parseHeader, type Header } from './safetensors/header.js';

export { SafetensorsError };

/** Write a model's state dict (or any named tensors) to `path` in the safetensors format. */
export function saveSafetensors(path: string, source: Module | StateDict | Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  writeFileSync(path, encodeSafetensors(source instanceof Module ? source.stateDict() : source, metadata));
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

/** Read every tensor of a safetensors file (the whole header is validated before decoding). */
export function loadSafetensors(path: string): { tensors: StateDict; metadata: Record<string, string> } {
  return withFile(path, (header, readData) => ({ tensors: decodeEntries(path, header, readData()), metadata: header.metadata }));
}

/**
 * Load a safetensors file into `model`: framing, header, keys (when strict), shapes and dtypes
 * are all checked before the data section is read; then values are copied in place.
 */
export function loadSafetensorsInto(model: Module, path: string, opts: { strict?: boolean } = {}): void {
  const strict = opts.strict ?? true;
  withFile(path, (header, readData) => applyPlan(path, model, planLoad(path, header, model, strict), readData(), strict));
}
