// Bundled by test/browser.test.ts and loaded into Chromium: each scenario runs on the WebGL
// modes in the page and returns a plain report, which the test asserts on.
import { CpuBackend, Generator, matmul, memory, randn, tensor, tidy } from '@kwta/core';
import { makeTrainer, withBackend } from '@kwta/core/testing';
import { GpuJsBackend, availableModes, tolerances, type GpuJsMode } from '../../src/index.js';
import { contextLossScenario, makeWideTrainer, trainOn } from '../scenarios.js';
import { runSuites, selectionChecks } from '../suites.js';

const gl = (mode: GpuJsMode, maxTextureSize?: number, shaders = true) => new GpuJsBackend({ mode, selection: 'kernels', strict: true, maxTextureSize, shaders });

/** Products that cover the shader's addressing: transposes, broadcast batches, a K of 1, a long K. */
const MATMULS: { a: number[]; b: number[]; transposeA?: boolean; transposeB?: boolean }[] = [
  { a: [5, 7], b: [7, 3] }, { a: [7, 5], b: [7, 3], transposeA: true }, { a: [5, 7], b: [3, 7], transposeB: true },
  { a: [7, 5], b: [3, 7], transposeA: true, transposeB: true }, { a: [2, 1, 4, 6], b: [3, 6, 5] }, { a: [9, 1], b: [1, 11] },
  { a: [3, 700], b: [700, 33] }, { a: [1, 64], b: [64, 1] },
];

const scenarios: Record<string, () => unknown> = {
  /** The whole conformance and gradient suites with per-kernel errors, and exact k-WTA winners. */
  suites: () => {
    const backend = gl('webgl2');
    const report = runSuites(backend, tolerances.webgl2, [1], [1, 2]);
    return { available: availableModes(), mode: backend.mode, shaderPrograms: backend.shaderPrograms, capabilities: backend.capabilities, fallbacks: backend.fallbacks, report, selection: selectionChecks(backend, 16) };
  },
  /**
   * The hand-written matmul shader against gpu.js's generated kernel (the plain path), each on
   * whole textures and on textures cut to side 12 (operands read from inside a page).
   */
  shaders: () => MATMULS.map((c) => {
    const g = new Generator(31);
    const [a, b] = [Float32Array.from(randn(c.a, g).dataSync()), Float32Array.from(randn(c.b, g).dataSync())];
    const product = (backend: GpuJsBackend) => withBackend(backend, () => tidy(() => Array.from(matmul(tensor(a, c.a), tensor(b, c.b), c).dataSync())));
    const fast = gl('webgl2'), plain = gl('webgl2', undefined, false), cut = gl('webgl2', 12), cpu = new CpuBackend();
    const want = withBackend(cpu, () => tidy(() => Array.from(matmul(tensor(a, c.a), tensor(b, c.b), c).dataSync())));
    return { case: c, fast: product(fast), plain: product(plain), cut: product(cut), want, programs: [fast.shaderPrograms, plain.shaderPrograms, cut.shaderPrograms] };
  }),
  /** The WebGL1 kernels (what headless-gl runs) on the conformance suite. */
  webgl1: () => {
    const backend = gl('webgl');
    const report = runSuites(backend, tolerances.webgl, [1], []);
    return { mode: backend.mode, fallbacks: backend.fallbacks, report, shaderPrograms: backend.shaderPrograms };
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
