import { machineInfo, type MachineInfo } from './machine.js';
import { measureInterleaved, type MeasureOptions } from './measure.js';
import { maxRelativeError, median, sig } from './stats.js';
import type { BenchCase, Mode, Prepared, Suite } from './types.js';

export interface ContenderResult {
  medianMs: number;
  minMs: number;
  maxMs: number;
  rounds: number;
  /** flops / median time; null when the case has no flop count. */
  gflops: number | null;
  /** max|out - ref| / max|ref| against the case's reference contender (0 for the reference). */
  maxRelError: number | null;
  samplesMs: number[];
}

export interface RatioResult {
  label: string;
  numerator: string;
  denominator: string;
  value: number;
  target: { min?: number; max?: number } | null;
  /** null when the ratio has no target. */
  met: boolean | null;
}

export interface CaseResult {
  id: string;
  description: string;
  params: Record<string, number | string | boolean>;
  flops: number;
  reference: string;
  referenceFor?: Record<string, string>;
  tolerance: number;
  /** Every contender's outputs agree with the reference within the tolerance. */
  agrees: boolean;
  contenders: Record<string, ContenderResult>;
  ratios: RatioResult[];
}

export interface SuiteResult {
  suite: string;
  description: string;
  mode: Mode;
  date: string;
  machine: MachineInfo;
  environment: Record<string, unknown>;
  settings: MeasureOptions;
  cases: CaseResult[];
  /** The suite's extra findings (see Suite.notes); empty when it has none. */
  notes: string[];
  summary: { cases: number; agreementFailures: string[]; targetsMet: string[]; targetsMissed: string[] };
}

export const MEASURE_SETTINGS: Record<Mode, MeasureOptions> = {
  // The agreement check before warm-up is one more untimed run of every contender.
  full: { warmupRounds: 1, minRounds: 5, maxRounds: 25, budgetMs: 5000, slowRunMs: 5000, settleAfterGc: true },
  quick: { warmupRounds: 1, minRounds: 2, maxRounds: 3, budgetMs: 50, slowRunMs: 5000, settleAfterGc: false },
};

async function checkAgreement(c: BenchCase, names: string[], prepared: Prepared[]): Promise<Map<string, number>> {
  const outs = new Map<string, Float32Array[]>();
  for (let i = 0; i < prepared.length; i++) {
    await prepared[i].activate?.();
    outs.set(names[i], await prepared[i].outputs());
  }
  const errors = new Map<string, number>();
  for (const [name, out] of outs) {
    const refName = c.referenceFor?.[name] ?? c.reference;
    const ref = outs.get(refName);
    if (!ref) throw new Error(`${c.id}: reference contender '${refName}' is not among ${names.join(', ')}`);
    let worst = out.length === ref.length ? 0 : Infinity;
    for (let k = 0; k < Math.min(out.length, ref.length); k++) worst = Math.max(worst, maxRelativeError(out[k], ref[k]));
    errors.set(name, worst);
  }
  return errors;
}

function ratioResult(spec: BenchCase['ratios'][number], medians: Map<string, number>, caseId: string): RatioResult {
  const num = medians.get(spec.numerator), den = medians.get(spec.denominator);
  if (num === undefined || den === undefined) throw new Error(`${caseId}: ratio ${spec.numerator}/${spec.denominator} names a missing contender`);
  // Judge the rounded value the JSON keeps, so a reader recomputing ✓/✗ from it agrees.
  const value = sig(num / den);
  const t = spec.target;
  const met = t ? (t.min === undefined || value >= t.min) && (t.max === undefined || value <= t.max) : null;
  return { label: `${spec.numerator} / ${spec.denominator}`, numerator: spec.numerator, denominator: spec.denominator, value, target: t ?? null, met };
}

/** Run one case: prepare, check agreement once, measure interleaved, summarise. */
export async function runCase(c: BenchCase, settings: MeasureOptions): Promise<CaseResult> {
  const contenders = c.contenders();
  const names = contenders.map((x) => x.name);
  const prepared: Prepared[] = [];
  try {
    for (const x of contenders) prepared.push(await x.prepare());
    const errors = await checkAgreement(c, names, prepared);
    const samples = await measureInterleaved(prepared, settings);
    const results: Record<string, ContenderResult> = {};
    const medians = new Map<string, number>();
    names.forEach((name, i) => {
      const s = samples[i];
      const med = median(s);
      medians.set(name, med);
      const err = errors.get(name)!;
      results[name] = {
        medianMs: sig(med, 4),
        minMs: sig(Math.min(...s), 4),
        maxMs: sig(Math.max(...s), 4),
        rounds: s.length,
        gflops: c.flops > 0 ? sig(c.flops / (med * 1e6)) : null,
        maxRelError: Number.isFinite(err) ? sig(err, 2) : null,
        samplesMs: s.map((x) => sig(x, 4)),
      };
    });
    const agrees = names.every((n) => errors.get(n)! <= c.tolerance);
    return {
      id: c.id, description: c.description, params: c.params, flops: c.flops,
      reference: c.reference, ...(c.referenceFor ? { referenceFor: c.referenceFor } : {}), tolerance: c.tolerance, agrees,
      contenders: results,
      ratios: c.ratios.map((r) => ratioResult(r, medians, c.id)),
    };
  } finally {
    for (const p of prepared) p.dispose();
  }
}

export interface RunOptions {
  mode: Mode;
  /** Only cases whose id contains this string. */
  filter?: string;
  settings?: Partial<MeasureOptions>;
  /** Called after each case, e.g. to print progress. */
  onCase?: (r: CaseResult) => void;
}

export async function runSuite(suite: Suite, opts: RunOptions): Promise<SuiteResult> {
  const settings = { ...MEASURE_SETTINGS[opts.mode], ...opts.settings };
  const cases = suite.cases(opts.mode).filter((c) => !opts.filter || c.id.includes(opts.filter));
  const environment = await suite.environment();
  const results: CaseResult[] = [];
  for (const c of cases) {
    const r = await runCase(c, settings);
    results.push(r);
    opts.onCase?.(r);
  }
  const ratioKey = (c: CaseResult, r: RatioResult) => `${c.id}: ${r.label}`;
  const result: SuiteResult = {
    suite: suite.name,
    description: suite.description,
    mode: opts.mode,
    date: new Date().toISOString(),
    machine: machineInfo(),
    environment,
    settings,
    cases: results,
    notes: [],
    summary: {
      cases: results.length,
      agreementFailures: results.filter((c) => !c.agrees).map((c) => c.id),
      targetsMet: results.flatMap((c) => c.ratios.filter((r) => r.met === true).map((r) => ratioKey(c, r))),
      targetsMissed: results.flatMap((c) => c.ratios.filter((r) => r.met === false).map((r) => ratioKey(c, r))),
    },
  };
  result.notes = suite.notes?.(result) ?? [];
  return result;
}
