import { kwtaBackendInfo } from '../contenders/backends.js';
import type { Mode, Suite } from '../harness/types.js';
import { activationCase, GAMMA } from './activation.js';

/** Issue 8's op-level target: k-WTA at most 1.5x ReLU, forward + backward, batch 64 x 16384. */
export const wasmKwtaReluSuite: Suite = {
  name: 'wasm-kwta-relu',
  description: `k-WTA (gamma ${GAMMA}) vs ReLU, forward + backward, x [64, 16384], on kwta's WebAssembly SIMD backend and its pure-TypeScript path`,
  cases(mode: Mode) {
    return [mode === 'full' ? activationCase('k-WTA vs ReLU', [64, 16384], 41) : activationCase('k-WTA vs ReLU', [3, 50], 41)];
  },
  async environment() {
    return { kwtaWasm: kwtaBackendInfo('wasm'), kwtaJs: kwtaBackendInfo('js') };
  },
};
