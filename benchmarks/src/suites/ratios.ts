import type { RatioSpec } from '../harness/types.js';

/**
 * The core issue's bar: kwta at least 2x faster than tfjs-backend-cpu on every case; the
 * tfjs-backend-wasm ratio is reported for reference (no target until the WebAssembly issue).
 */
export const CORE_RATIOS: RatioSpec[] = [
  { numerator: 'tfjs-cpu', denominator: 'kwta', target: { min: 2 } },
  { numerator: 'tfjs-wasm', denominator: 'kwta' },
];
