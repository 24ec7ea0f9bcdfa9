// Bundled by test/browser.test.ts and loaded into Chromium: each scenario runs on the WebGL
// modes in the page and returns a plain report, which the test asserts on.
import { CpuBackend, memory } from '@kwta/core';
import { makeTrainer } from '@kwta/core/testing';
import { GpuJsBackend, availableModes, tolerances, type GpuJsMode } from '../../src/index.js';
import { contextLossScenario, makeWideTrainer, trainOn } from '../scenarios.js';
import { runSuites, selectionChecks } from '../suites.js';

const gl = (mode: GpuJsMode, maxTextureSize?: number) => new GpuJsBackend({ mode, selection: 'kernels', strict: true, maxTextureSize });

const scenarios: Record<string, () => unknown> = {
  /** The whole conformance and gradient suites with per-kernel errors, and exact k-WTA winners. */
  suites: () => {
    const backend = gl('webgl2');
    const report = runSuites(backend, tolerances.webgl2, [1], [1, 2]);
    return { available: availableModes(), mode: backend.mode, capabilities: backend.capabilities, fallbacks: backend.fallbacks, report, selection: selectionChecks(backend, 16) };
  },
  /** The WebGL1 kernels (what headless-gl runs) on the conformance suite. */
  webgl1: () => {
    const backend = gl('webgl');
    return { mode: backend.mode, fallbacks: backend.fallbacks, report: runSuites(backend, tolerances.webgl, [1], []) };
  },
  /** 20 steps of the small k-WTA CNN: loss goes down, textures stay flat, nothing ran elsewhere. */
  training: () => {
    const backend = gl('webgl2');
    const run = trainOn(backend, makeTrainer, 20);
    return { ...run, fallbacks: backend.fallbacks, compiledKernels: backend.compiledKernels, tensorsAfter: memory().numTensors };
  },
  /** Texture side forced to 12: both suites through cut launches, and training as without the limit. */
  limit12: () => {
    const backend = gl('webgl2', 12);
    const report = runSuites(backend, tolerances.webgl2, [1], [1]);
    const limited = gl('webgl2', 12);
    return {
      capacity: backend.capabilities.textureCapacity, report, cut: backend.cutLaunches, texturesAfter: backend.liveTextures,
      limited: trainOn(limited, makeTrainer, 10), free: trainOn(gl('webgl2'), makeTrainer, 10), limitedCut: limited.cutLaunches,
    };
  },
  /** Texture side forced to 256: a k-WTA MLP whose weights and activations span several textures. */
  limit256: () => {
    const backend = gl('webgl2', 256);
    return { run: trainOn(backend, makeWideTrainer, 5), cpu: trainOn(new CpuBackend(), makeWideTrainer, 5), cut: backend.cutLaunches };
  },
  /** WEBGL_lose_context in the middle of training, then recovery. */
  contextLoss: () => contextLossScenario(gl('webgl2')),
};

const w = window as unknown as { __kwta: { ready: boolean; run(name: string): { result?: unknown; error?: string } } };
w.__kwta = {
  ready: true,
  run: (name) => {
    try {
      return { result: scenarios[name]() };
    } catch (e) {
      return { error: String((e as Error).stack ?? e) };
    }
  },
};
