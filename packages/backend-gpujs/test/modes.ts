import type { GpuJsMode } from '../src/index.js';

/** The modes CI runs: the two that work on any machine. GL modes are covered by the browser test. */
export const TEST_MODES: GpuJsMode[] = ['cpu', 'webasm'];
