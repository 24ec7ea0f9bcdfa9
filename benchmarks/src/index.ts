/** The benchmark harness, for suites added by later work and for the smoke test. */
export type { BenchCase, Contender, Mode, Prepared, RatioSpec, Suite } from './harness/types.js';
export { measureInterleaved, type MeasureOptions } from './harness/measure.js';
export { runCase, runSuite, MEASURE_SETTINGS, type CaseResult, type ContenderResult, type RatioResult, type RunOptions, type SuiteResult } from './harness/run.js';
export { formatMachine, formatTable, writeResult } from './harness/report.js';
export { machineInfo, type MachineInfo } from './harness/machine.js';
export { maxRelativeError, median } from './harness/stats.js';
export { kwtaContender, type KwtaWorkload } from './contenders/kwta.js';
export { initTfjs, tfjsContender, TFJS_NAME, type TfjsBackend, type TfjsInfo, type TfjsWorkload } from './contenders/tfjs.js';
export { GROUPS, SUITES, resolveSuites } from './suites/index.js';
export { MNIST_CNN_CONVS, type ConvLayer } from './suites/conv2d.js';
