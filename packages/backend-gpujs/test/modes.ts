import type { GpuJsMode } from '../src/index.js';

/**
 * The modes the Node tests run: the two that work on any machine (CI). GL modes are covered by
 * the browser test; with the native `gl` build and a display (README, headless-gl) add
 * headless-gl locally: KWTA_GPUJS_MODES=cpu,webasm,headlessgl xvfb-run -a npx vitest run
 */
export const TEST_MODES: GpuJsMode[] = (process.env.KWTA_GPUJS_MODES?.split(',') as GpuJsMode[] | undefined) ?? ['cpu', 'webasm'];
