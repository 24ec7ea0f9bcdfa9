import type { GpuJsMode } from './modes.js';

/** How closely a gpu.js mode agrees with the CPU backend: |a - b| <= atol + rtol * |b|. */
export interface ModeTolerance {
  rtol: number;
  atol: number;
}

/**
 * Agreement with the CPU backend (float32 storage, float64 sums) per mode, as the tests use it.
 * cpu: gpu.js runs kernels as JS (float64 arithmetic, float32 stores), so it matches the CPU
 * backend to the last float32 bit but for summation order. webasm: f32 arithmetic, sums rounded
 * at every step. GL modes: float32 shaders whose exp/log/pow are only specified to a few ulps
 * (SwiftShader, Mesa and real GPUs differ), so they get a looser bound.
 */
export const tolerances: Record<GpuJsMode, ModeTolerance> = {
  cpu: { rtol: 2e-5, atol: 2e-5 },
  webasm: { rtol: 5e-5, atol: 5e-5 },
  headlessgl: { rtol: 2e-4, atol: 2e-4 },
  webgl: { rtol: 2e-4, atol: 2e-4 },
  webgl2: { rtol: 2e-4, atol: 2e-4 },
  webgpu: { rtol: 2e-4, atol: 2e-4 },
};
