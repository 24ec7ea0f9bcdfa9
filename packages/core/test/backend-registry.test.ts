import { describe, expect, it } from 'vitest';
import * as core from '../src/index.js';
import { BACKENDS } from './backends.js';

// The registry check behind "Adding a backend" in docs/architecture.md: every Backend that core
// exports is made by an entry of BACKENDS, so the conformance suite (which runs every kernel:
// op-definitions.test.ts), the float32 gradient comparison and the leak test all run on it.

const BACKEND_METHODS = ['alloc', 'write', 'read', 'free', 'run', 'memory'] as const;

function isBackendClass(v: unknown): v is new (...args: never[]) => core.Backend {
  const proto = (v as { prototype?: Record<string, unknown> } | null)?.prototype;
  return typeof v === 'function' && !!proto && BACKEND_METHODS.every((m) => typeof proto[m] === 'function');
}

describe('backend registry', () => {
  it('every Backend class core exports is run by the suites (test/backends.ts)', () => {
    const exported = Object.entries(core).filter(([, v]) => isBackendClass(v));
    expect(exported.map(([name]) => name)).toEqual(expect.arrayContaining(['CpuBackend', 'WasmBackend']));
    const made = BACKENDS.map(([, make]) => {
      const b = make();
      b.dispose?.();
      return b.constructor;
    });
    expect(exported.filter(([, cls]) => !made.includes(cls as never)).map(([name]) => name)).toEqual([]);
  });
});
