import { KwtaError, slice, tidy, type Tensor } from '@kwta/core';
import type { MemberProgress, StepProgress } from '../attack.js';
import type { Classifier } from '../classifier.js';
import { hashString, mixSeed } from '../seeds.js';
import type { UnitRecord } from './eval-state.js';
import type { PlannedUnit } from './plan.js';
import { finiteOrNull } from './report.js';
import { targetName } from './targets.js';

export function rowsOf(x: Tensor, start: number, count: number): Tensor {
  return slice(x, [start, ...x.shape.slice(1).map(() => 0)], [count, ...x.shape.slice(1)]);
}

/** A fresh record for a planned unit. */
export function newRecord(u: PlannedUnit): UnitRecord {
  const a = u.attack;
  const r: UnitRecord = {
    key: u.key, name: a.name, kind: a.kind, eps: finiteOrNull(a.eps), norm: a.norm, target: u.target === null ? null : targetName(u.target), role: u.role,
    done: 0, success: [], norms: [], forwards: [], grads: [], seconds: 0,
  };
  if (u.base !== undefined) r.base = u.base;
  return r;
}

export interface UnitContext {
  model: Classifier;
  /** The full inputs and labels; the slice starts at `first`. */
  x: Tensor;
  labels: Int32Array;
  first: number;
  count: number;
  seed: number;
  batchSize: number;
  /** Per target choice, the target of each example of the slice. */
  targets: Record<string, number[]>;
  memoryBudget?: number;
  onBatch: (done: number) => void;
  /** An ensemble member has finished on the batch starting at example `start` of the slice. */
  onMember?: (m: MemberProgress, start: number) => void;
  /** The attack has taken a step on the `count` examples of the slice starting at `start`. */
  onStep?: (s: StepProgress, start: number, count: number) => void;
}

/**
 * Run a unit over the slice from where its record stopped, batch by batch, appending each
 * example's result. Example i's random stream is seeded by (seed, unit key, i), whatever batch
 * or shard it lands in. An attack that raises a KwtaError marks the record failed and stops.
 */
export function runUnit(unit: PlannedUnit, record: UnitRecord, c: UnitContext): void {
  const unitSeed = hashString(unit.key);
  while (record.done < c.count && !record.error) {
    const start = record.done;
    const count = Math.min(c.batchSize, c.count - start);
    const global = c.first + start;
    const t0 = performance.now();
    try {
      tidy(() => {
        const targets = record.target === null ? undefined : c.targets[record.target].slice(start, start + count);
        const seeds = Array.from({ length: count }, (_, r) => mixSeed(c.seed, unitSeed, global + r));
        const r = unit.attack.run(c.model, rowsOf(c.x, global, count), c.labels.subarray(global, global + count), {
          seeds, targets, memoryBudget: c.memoryBudget,
          ...(c.onMember ? { onMember: (m: MemberProgress) => c.onMember!(m, start) } : {}),
          ...(c.onStep ? { onStep: (s: StepProgress) => c.onStep!(s, start, count) } : {}),
        });
        record.success.push(...r.success);
        record.norms.push(...r.norms.map(finiteOrNull));
        record.forwards.push(...r.forwardCount);
        record.grads.push(...r.gradCount);
        if (r.trace) {
          record.members = r.trace.members;
          (record.brokenBy ??= []).push(...r.trace.brokenBy);
          record.memberSeconds = r.trace.seconds.map((s, k) => (record.memberSeconds?.[k] ?? 0) + s);
        }
      });
    } catch (e) {
      if (!(e instanceof KwtaError)) throw e;
      record.error = `${e.name}: ${e.message}`;
      return;
    }
    record.seconds += (performance.now() - t0) / 1000;
    record.done += count;
    c.onBatch(record.done);
  }
}
