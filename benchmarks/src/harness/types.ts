import type { SuiteResult } from './run.js';

/**
 * The vocabulary of the harness. A suite is a list of cases; a case is one workload (one op at
 * one shape) run by several contenders (engines), measured side by side in the same process.
 */

/** A contender made ready to run one case: inputs allocated, backend initialised. */
export interface Prepared {
  /**
   * One timed execution. It must leave the work fully done (a lazy or asynchronous backend reads
   * its result back here) and free what it allocated, so repeated runs do not grow memory.
   */
  run(): void | Promise<void>;
  /** Untimed: compute once and return the outputs in the case's canonical layout (agreement check). */
  outputs(): Float32Array[] | Promise<Float32Array[]>;
  /** Untimed hook before every timed run, e.g. to make this contender's backend the active one. */
  activate?(): void | Promise<void>;
  dispose(): void;
}

export interface Contender {
  /** Short stable name used as a key in the JSON, e.g. 'kwta', 'tfjs-cpu'. */
  name: string;
  prepare(): Promise<Prepared>;
}

/** median(numerator) / median(denominator): with a slower numerator the value is a speedup. */
export interface RatioSpec {
  numerator: string;
  denominator: string;
  /** What the issue asks for, if anything: the ratio must be >= min and/or <= max. */
  target?: { min?: number; max?: number };
}

export interface BenchCase {
  /** Stable id, unique within the suite, e.g. 'matmul-512' or 'conv2d-32-64-14x14-backward'. */
  id: string;
  description: string;
  /** The numbers that define the workload (shapes, strides), copied into the JSON. */
  params: Record<string, number | string | boolean>;
  /** Floating-point operations of one run (multiply and add count as two), for GFLOP/s; 0 if not meaningful. */
  flops: number;
  /** Builds the contenders (and their shared input data) only when the case is about to run. */
  contenders(): Contender[];
  /** The contender every other one's outputs are compared against. */
  reference: string;
  /**
   * Per-contender references, for cases whose contenders compute different functions (k-WTA
   * next to ReLU): each listed contender is compared with the named one instead (a contender
   * mapped to itself is a reference). Unlisted contenders use `reference`.
   */
  referenceFor?: Record<string, string>;
  /** Largest accepted max|out - ref| / max|ref| for every contender's outputs. */
  tolerance: number;
  ratios: RatioSpec[];
}

export type Mode = 'full' | 'quick';

export interface Suite {
  /** Also the file name of its results: results/<name>.json */
  name: string;
  description: string;
  cases(mode: Mode): BenchCase[];
  /** Facts about the engines in this run (versions, thread counts, which backend really ran). */
  environment(): Promise<Record<string, unknown>>;
  /** Lines printed under the table and kept in the JSON (e.g. GFLOP/s as a fraction of the machine's peak). */
  notes?(result: SuiteResult): string[];
}
