import { CpuBackend, memory } from '@kwta/core';
import { checkAgainstReference, conformanceCases, makeTrainer } from '@kwta/core/testing';
import { describe, expect, it } from 'vitest';
import { GpuJsBackend, tolerances, type GpuJsMode } from '../src/index.js';
import { TEST_MODES } from './modes.js';
import { makeWideTrainer, trainOn } from './scenarios.js';
import { runSuites } from './suites.js';

// A texture side of 12 holds (12 - 1)^2 = 121 elements: most tensors of the suites then span
// several textures and most launches are cut (src/split/), on the same code path a real GPU takes
// for tensors beyond MAX_TEXTURE_SIZE^2 or 2^24 elements.
const SIDE = 12;

describe.each(TEST_MODES)('texture side forced to 12 (121 elements a texture): gpujs %s mode', (mode: GpuJsMode) => {
  it('conformance and gradient suites pass, cut into pieces, with every texture released', () => {
    const backend = new GpuJsBackend({ mode, selection: 'kernels', strict: true, maxTextureSize: SIDE });
    expect(backend.capabilities.textureCapacity).toBe(121);
    const report = runSuites(backend, tolerances[mode]);
    expect(report.failures).toEqual([]);
    expect(report.gradFailures).toEqual([]);
    for (const k of report.kernels) expect(k.mismatches, `${k.kernel} at ${k.worstAt}`).toBe(0);
    expect(backend.cutLaunches).toBeGreaterThan(200);
    expect(backend.liveTextures).toBe(0);
    expect(backend.memory().numBuffers).toBe(0);
  });

  it('training steps give the losses of an unlimited backend, with device buffers flat', () => {
    const limited = new GpuJsBackend({ mode, selection: 'kernels', strict: true, maxTextureSize: SIDE });
    const free = new GpuJsBackend({ mode, selection: 'kernels', strict: true });
    const a = trainOn(limited, makeTrainer, 30), b = trainOn(free, makeTrainer, 30);
    expect(limited.cutLaunches).toBeGreaterThan(0);
    expect(free.cutLaunches).toBe(0);
    a.losses.forEach((l, i) => expect(Math.abs(l - b.losses[i])).toBeLessThan(10 * tolerances[mode].rtol));
    expect(a.losses[29]).toBeLessThan(a.losses[0]);
    expect(new Set(a.textures.slice(1)).size).toBe(1);
    expect(limited.liveTextures).toBe(0);
    expect(memory().numTensors).toBe(0);
  });
});

describe('texture side forced to 4 (9 elements a texture): the deepest cuts', () => {
  // Everything is cut down to single rows, elements and partial sums; only convolutions and
  // pools, which work on whole planes, cannot shrink that far and must refuse clearly.
  const backend = new GpuJsBackend({ mode: 'cpu', selection: 'kernels', strict: true, maxTextureSize: 4 });
  const reference = new CpuBackend();
  it.each(conformanceCases().map((c) => [c.name, c] as const))('%s', (name, c) => {
    const planes = /^(conv2d|maxPool2d|avgPool2d)/.test(name);
    if (planes) expect(() => checkAgainstReference(c, 1, backend, reference, tolerances.cpu)).toThrow(/plane|cannot be cut to fit this device/);
    else expect(checkAgainstReference(c, 1, backend, reference, tolerances.cpu)).toBeNull();
    expect(backend.liveTextures).toBe(0);
  });
});

describe.each(TEST_MODES)('texture side forced to 256: gpujs %s mode', (mode: GpuJsMode) => {
  it('a k-WTA MLP whose weights span several textures trains as on the CPU backend', () => {
    const backend = new GpuJsBackend({ mode, selection: 'kernels', strict: true, maxTextureSize: 256 });
    const run = trainOn(backend, makeWideTrainer, 5);
    const cpu = trainOn(new CpuBackend(), makeWideTrainer, 5);
    expect(backend.cutLaunches).toBeGreaterThan(0);
    run.losses.forEach((l, i) => expect(Math.abs(l - cpu.losses[i])).toBeLessThan(1e-3));
    expect(new Set(run.textures.slice(1)).size).toBe(1);
  });
});
