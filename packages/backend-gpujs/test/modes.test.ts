import { BackendError, DisposedError, ValueError, gather, setBackend, getBackend, tensor, tidy } from '@kwta/core';
import { describe, expect, it } from 'vitest';
import { ContextLostError, EXACT_INDEX_LIMIT, GpuJsBackend, availableModes, missingCapabilities, requireCapabilities, type Capabilities } from '../src/index.js';

describe('modes', () => {
  it('runs in exactly the mode asked for and says so', () => {
    for (const mode of ['cpu', 'webasm'] as const) {
      const b = new GpuJsBackend({ mode });
      expect(b.mode).toBe(mode);
      expect(b.name).toBe(`gpujs-${mode}`);
    }
  });

  it('refuses webgpu with the reason (gpu.js webgpu kernels are async-only)', () => {
    expect(() => new GpuJsBackend({ mode: 'webgpu' })).toThrow(BackendError);
    expect(() => new GpuJsBackend({ mode: 'webgpu' })).toThrow(/Promises/);
  });

  it('refuses a missing or unknown mode instead of letting gpu.js pick one', () => {
    expect(() => new GpuJsBackend({} as never)).toThrow(/mode/);
    expect(() => new GpuJsBackend({ mode: 'wasm' as never })).toThrow(/unknown mode "wasm"/);
  });

  it('headlessgl is either really available or refused with the install hint', () => {
    if (availableModes().includes('headlessgl')) expect(new GpuJsBackend({ mode: 'headlessgl' }).mode).toBe('headlessgl');
    else expect(() => new GpuJsBackend({ mode: 'headlessgl' })).toThrow(/optional native "gl"/);
  });

  it('webgl2 outside a browser is refused, not silently replaced', () => {
    expect(() => new GpuJsBackend({ mode: 'webgl2' })).toThrow(/not available/);
  });
});

describe('storage', () => {
  const backend = new GpuJsBackend({ mode: 'cpu' });

  it('keeps float64 on the host at full precision and int32/bool exact', () => {
    const prev = getBackend();
    setBackend(backend);
    try {
      tidy(() => {
        const x = tensor(Float64Array.from([0.1, 1 + 2 ** -40]), [2], 'float64');
        expect(Array.from(x.add(x).dataSync())).toEqual([0.2, 2 + 2 ** -39]);
        const i = tensor(Int32Array.from([-7, 16777216, 3]));
        expect(i.dataSync()).toBeInstanceOf(Int32Array);
        expect(Array.from(i.div(tensor(Int32Array.from([2, 1, 2]))).dataSync())).toEqual([-3, 16777216, 1]);
        expect(i.greater(0).dataSync()).toBeInstanceOf(Uint8Array);
      });
    } finally {
      setBackend(prev);
    }
  });

  it('counts buffers and rejects use after free', () => {
    const before = backend.memory().numBuffers;
    const id = backend.alloc('float32', 4);
    backend.write(id, Float32Array.from([1, 2, 3, 4]));
    expect(backend.memory().numBuffers).toBe(before + 1);
    backend.free(id);
    expect(backend.memory().numBuffers).toBe(before);
    expect(() => backend.read(id)).toThrow(DisposedError);
  });

  it('validates index operands on the host (a kernel cannot throw)', () => {
    const prev = getBackend();
    setBackend(backend);
    try {
      expect(() => tidy(() => gather(tensor([[1, 2], [3, 4]]), tensor(Int32Array.from([0, 2])), 1))).toThrow(ValueError);
    } finally {
      setBackend(prev);
    }
  });
});

describe('capabilities', () => {
  const gpu: Capabilities = {
    mode: 'webgl2', renderer: 'test GPU', vendor: 'v', version: 'WebGL 2.0', shadingLanguage: 'GLSL ES 3.00',
    maxTextureSize: 4096, maxTextureImageUnits: 16, floatTextures: true, floatRenderTargets: true,
    highpFloat: { precision: 23, rangeMin: 127, rangeMax: 127 }, integerDivisionAccurate: true,
  };

  it('a device with float32 textures, float render targets and highp passes', () => {
    expect(missingCapabilities(gpu)).toEqual([]);
    expect(() => requireCapabilities(gpu)).not.toThrow();
  });

  it('a device without float render targets or highp is refused, saying what is missing and what to use', () => {
    const old = { ...gpu, floatRenderTargets: false, highpFloat: { precision: 10, rangeMin: 15, rangeMax: 15 }, maxTextureImageUnits: 4 };
    expect(missingCapabilities(old)).toHaveLength(3);
    expect(() => requireCapabilities(old)).toThrow(BackendError);
    expect(() => requireCapabilities(old)).toThrow(/float32 render targets.*highp float.*10-bit.*texture units.*Use mode "cpu" or "webasm"/);
    expect(() => requireCapabilities({ ...gpu, floatTextures: false, highpFloat: null })).toThrow(/float32 textures.*gives none/);
  });

  it('reports the cpu modes as they are: no texture limit in cpu, the 2^24 exact-index limit in webasm, denormals kept', () => {
    const cpu = new GpuJsBackend({ mode: 'cpu' });
    expect(cpu.capabilities.textureCapacity).toBe(Infinity);
    expect(cpu.capabilities.denormals).toBe('kept');
    expect(new GpuJsBackend({ mode: 'webasm' }).capabilities.textureCapacity).toBe(EXACT_INDEX_LIMIT);
    expect(new GpuJsBackend({ mode: 'cpu', maxTextureSize: 256 }).capabilities.textureCapacity).toBe(255 * 255);
  });

  it('refuses a texture side below 2 or not an integer', () => {
    expect(() => new GpuJsBackend({ mode: 'cpu', maxTextureSize: 1 })).toThrow(ValueError);
    expect(() => new GpuJsBackend({ mode: 'cpu', maxTextureSize: 2.5 })).toThrow(/maxTextureSize/);
  });

  it('cpu modes have no WebGL context to lose: recover() does nothing', () => {
    const b = new GpuJsBackend({ mode: 'cpu' });
    expect(b.context).toBeNull();
    expect(b.contextLost).toBe(false);
    expect(b.recover()).toBe(false);
    expect(new ContextLostError('x')).toBeInstanceOf(BackendError);
  });
});
