import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { Contender, Prepared } from '../harness/types.js';

export { tf };

export type TfjsBackend = 'cpu' | 'wasm';

/** Contender names as they appear in tables and JSON. */
export const TFJS_NAME: Record<TfjsBackend, string> = { cpu: 'tfjs-cpu', wasm: 'tfjs-wasm' };

export interface TfjsInfo {
  version: string;
  backends: { cpu: { name: string }; wasm: { name: string; threads: number; simd: boolean; multithreadSupported: boolean } };
}

let ready: Promise<TfjsInfo> | undefined;

async function activate(backend: TfjsBackend): Promise<void> {
  if (!(await tf.setBackend(backend)) || tf.getBackend() !== backend) {
    throw new Error(`tfjs: could not activate the '${backend}' backend (active: ${tf.getBackend()})`);
  }
}

async function init(): Promise<TfjsInfo> {
  // Production mode: no debug checks or console chatter (the "install tfjs-node" banner) in timings.
  tf.enableProdMode();
  // In Node the wasm backend cannot fetch its binaries; point it at the package's dist folder on disk.
  const require = createRequire(import.meta.url);
  const wasmDist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
  setWasmPaths(wasmDist);
  await activate('wasm');
  const wasm = {
    name: tf.getBackend(),
    threads: getThreadsCount(),
    simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
    multithreadSupported: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
  };
  await activate('cpu');
  return { version: tf.version_core, backends: { cpu: { name: tf.getBackend() }, wasm } };
}

/** Register and start both tfjs backends once; later calls return the same facts. */
export function initTfjs(): Promise<TfjsInfo> {
  ready ??= init();
  return ready;
}

export interface TfjsWorkload {
  /** The timed work: returns every tensor it produced (they are disposed after the run). */
  run(): tf.Tensor | tf.Tensor[];
  /** Tensors of `run()`'s result converted to the case's canonical layout, read back. */
  canonical?(out: tf.Tensor[]): Float32Array[];
  /** Instead of `canonical`: untimed outputs computed some other way (a training step's losses). */
  outputs?(): Float32Array[];
  /** Inputs to free when the case is done. */
  inputs: tf.Tensor[];
}

/**
 * A tfjs contender. `build` runs with `backend` active so its input tensors live on it; every
 * timed run re-activates the backend first (untimed), since tensors from one tfjs backend would
 * otherwise be copied to whichever backend is active.
 */
export function tfjsContender(backend: TfjsBackend, build: () => TfjsWorkload): Contender {
  return {
    name: TFJS_NAME[backend],
    async prepare(): Promise<Prepared> {
      await initTfjs();
      await activate(backend);
      const w = build();
      const runAll = () => {
        const r = w.run();
        return Array.isArray(r) ? r : [r];
      };
      return {
        activate: () => activate(backend),
        run() {
          // cpu and wasm kernels execute eagerly and synchronously, so the work is done here.
          tf.dispose(tf.tidy(runAll));
        },
        outputs() {
          if (w.outputs) return w.outputs();
          if (!w.canonical) throw new Error('tfjsContender: a workload needs canonical() or outputs()');
          const outs = tf.tidy(runAll);
          try {
            return w.canonical(outs);
          } finally {
            tf.dispose(outs);
          }
        },
        dispose() {
          tf.dispose(w.inputs);
        },
      };
    },
  };
}
