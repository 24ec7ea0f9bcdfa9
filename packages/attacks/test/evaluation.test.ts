import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator, ShapeError, ValueError, argmax, noGrad, softmax, tensor, tidy, type Tensor } from '@kwta/core';
import { Normalize, Sequential, Linear, ReLU } from '@kwta/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  APGD, FGSM, PGD, SquareAttack, autoAttack, chooseTargets, evaluate, mergeStates, parseShard, reportOf, runEvaluation, shardRange, straightThrough, topTargets,
  type Attack, type EvaluateOptions, type EvaluationReport, type EvaluationState,
} from '../src/index.js';
import { evaluateWithStateFile, mergeStateFiles, readEvaluationState } from '../src/node.js';
import { fourClassProblem } from './fixtures/problems.js';
import type { Mlp } from './fixtures/mlp.js';
import type { Blobs } from './fixtures/synthetic.js';

let net: Mlp;
let data: Blobs;

beforeAll(() => {
  ({ net, test: data } = fourClassProblem());
});

/** The attacks of the resume and shard tests: random starts, random search and AutoAttack. */
const attacks = (): Attack[] => [new FGSM({ eps: 0.03 }), new PGD({ eps: 0.03, steps: 6 }), new SquareAttack({ eps: 0.03, queries: 25 }), autoAttack({ eps: 0.03, steps: 5, queries: 20 })];
const options = (extra: Partial<EvaluateOptions> = {}): EvaluateOptions => ({ attacks: attacks(), gen: new Generator(42), batchSize: 5, checks: { epsValues: [0.06, 1], sanity: true }, ...extra });

/** The report as JSON with every timing zeroed: what must agree byte for byte. */
function withoutTimes(r: EvaluationReport): string {
  return JSON.stringify(r, (k, v: unknown) => (k === 'seconds' ? 0 : v));
}

describe('sharded evaluation', () => {
  it('3 shards merged give exactly the single run: byte-identical JSON apart from timings', () => {
    const single = evaluate(net.forward, data.x, data.y, options());
    const shards = [0, 1, 2].map((index) => runEvaluation(net.forward, data.x, data.y, options({ shard: { index, count: 3 } })));
    expect(shards.map((s) => [s.slice.start, s.slice.end])).toEqual([[0, 4], [4, 8], [8, 12]]);
    const merged = reportOf(mergeStates([shards[2], shards[0], shards[1]]));
    expect(withoutTimes(merged)).toBe(withoutTimes(single));
    expect(single.attacks.map((a) => a.name)).toContain(attacks()[3].name);
    expect(single.robustAccuracy).toBeLessThan(single.cleanAccuracy);
  });

  it('refuses to merge incomplete, overlapping or foreign shards, and bad shard specs', () => {
    const a = runEvaluation(net.forward, data.x, data.y, options({ shard: { index: 0, count: 2 } }));
    const b = runEvaluation(net.forward, data.x, data.y, options({ shard: { index: 1, count: 2 } }));
    expect(() => mergeStates([a])).toThrow(/cover \[0, 6\) of 12/);
    expect(() => mergeStates([a, a, b])).toThrow(/overlap/);
    const other = runEvaluation(net.forward, data.x, data.y, options({ shard: { index: 1, count: 2 }, gen: new Generator(7) }));
    expect(() => mergeStates([a, other])).toThrow(/different evaluations/);
    expect(() => shardRange(12, { index: 3, count: 3 })).toThrow(/shard index must be an integer in \[0, 3\), got 3/);
    expect(() => parseShard('2-of-3')).toThrow(ValueError);
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
  });
});

describe('resumable evaluation', () => {
  it('a killed evaluation resumes from its last saved state to the same report', () => {
    const full = evaluate(net.forward, data.x, data.y, options());
    for (const killAfter of [1, 4, 9, 17]) {
      let saved: string | null = null;
      let saves = 0;
      expect(() =>
        runEvaluation(net.forward, data.x, data.y, {
          ...options(),
          onState: (s) => {
            saved = JSON.stringify(s);
            if (++saves === killAfter) throw new Error('killed');
          },
        }),
      ).toThrow('killed');
      const resumed = reportOf(runEvaluation(net.forward, data.x, data.y, options({ resume: JSON.parse(saved!) as EvaluationState })));
      expect(withoutTimes(resumed), `killed after ${killAfter} saves`).toBe(withoutTimes(full));
    }
  });

  it("batchSizeOf gives one attack its own batches: same per-example results, finer saves, and a state that only resumes with the same sizes", () => {
    const square = (a: Attack) => (a instanceof SquareAttack ? 2 : undefined);
    const done: number[] = [];
    const uniform = runEvaluation(net.forward, data.x, data.y, options());
    const own = runEvaluation(net.forward, data.x, data.y, options({ batchSizeOf: square, onProgress: (p) => { if (p.name === attacks()[2].name && p.status === undefined) done.push(p.done); } }));
    expect(done).toEqual([0, 2, 4, 6, 8, 10, 12]);
    expect(own.units.map((u) => u.success)).toEqual(uniform.units.map((u) => u.success));
    expect(uniform.fingerprint.unitBatchSizes).toBeUndefined();
    expect(own.fingerprint.unitBatchSizes).toEqual(own.units.map((u) => (u.key.includes(':Square(') ? 2 : 5)));
    // Killed inside the Square run (after its second batch of 2): resumes to the same state, and only with the same sizes.
    let saved: string | null = null;
    let saves = 0;
    expect(() => runEvaluation(net.forward, data.x, data.y, options({ batchSizeOf: square, onState: (s) => { saved = JSON.stringify(s); if (++saves === 9) throw new Error('killed'); } }))).toThrow('killed');
    const state = JSON.parse(saved!) as EvaluationState;
    expect(state.units[2].done).toBe(4);
    expect(() => runEvaluation(net.forward, data.x, data.y, options({ resume: JSON.parse(saved!) as EvaluationState }))).toThrow(/made for another evaluation/);
    const resumed = runEvaluation(net.forward, data.x, data.y, options({ batchSizeOf: square, resume: state }));
    expect(withoutTimes(reportOf(resumed))).toBe(withoutTimes(reportOf(own)));
    expect(() => runEvaluation(net.forward, data.x, data.y, options({ batchSizeOf: () => 0 }))).toThrow(/evaluate: batchSizeOf\(FGSM.*\) must be an integer >= 1, got 0/);
  });

  it('keeps its state in a file (node entry): resume after a kill, merge shard files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kwta-eval-'));
    try {
      const path = join(dir, 'state.json');
      let saves = 0;
      expect(() => evaluateWithStateFile(net.forward, data.x, data.y, path, { ...options(), onState: () => { if (++saves === 6) throw new Error('killed'); } })).toThrow('killed');
      expect(readEvaluationState(path).units.some((u) => u.done > 0)).toBe(true);
      const resumed = evaluateWithStateFile(net.forward, data.x, data.y, path, options());
      expect(withoutTimes(reportOf(resumed))).toBe(withoutTimes(evaluate(net.forward, data.x, data.y, options())));
      const paths = [0, 1, 2].map((index) => {
        const p = join(dir, `shard-${index}.json`);
        evaluateWithStateFile(net.forward, data.x, data.y, p, options({ shard: { index, count: 3 } }));
        return p;
      });
      expect(withoutTimes(reportOf(mergeStateFiles(paths)))).toBe(withoutTimes(reportOf(resumed)));
      expect(() => evaluateWithStateFile(net.forward, data.x, data.y, paths[0], options())).toThrow(/covers examples \[0, 4\), this run \[0, 12\)/);
      expect(() => evaluateWithStateFile(net.forward, data.x, data.y, path, options({ gen: new Generator(1) }))).toThrow(/made for another evaluation/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('targeted evaluation', () => {
  it('runs each attack once per target choice and reports each, success meaning the target is predicted', () => {
    const report = evaluate(net.forward, data.x, data.y, {
      attacks: [new PGD({ eps: 0.1, steps: 10 }), new APGD({ eps: 0.1, steps: 10 })],
      gen: new Generator(3),
      targets: ['random', 'least-likely', ...topTargets(2)],
      checks: false,
    });
    expect(report.attacks.map((a) => a.target)).toEqual(['random', 'random', 'least-likely', 'least-likely', 'rank-1', 'rank-1', 'rank-2', 'rank-2']);
    for (const a of report.attacks) {
      expect(a.targetRate).not.toBeNull();
      expect(a.accuracy).toBeLessThanOrEqual(report.cleanAccuracy);
    }
    // The runner-up is the easiest target, the least likely class the hardest.
    const rate = (t: string) => report.attacks.find((a) => a.target === t && a.name.startsWith('APGD'))!.targetRate!;
    expect(rate('rank-1')).toBeGreaterThanOrEqual(rate('least-likely'));
  });

  it('chooses targets among the other classes: by rank, least likely, or at random per example', () => {
    const logits = Float64Array.from([3, 1, 2, 0, /* */ 0, 5, 1, 2]);
    const labels = Int32Array.from([0, 2]);
    expect(chooseTargets({ rank: 1 }, logits, labels, 4, 0, 0)).toEqual([2, 1]);
    expect(chooseTargets({ rank: 2 }, logits, labels, 4, 0, 0)).toEqual([1, 3]);
    expect(chooseTargets('least-likely', logits, labels, 4, 0, 0)).toEqual([3, 0]);
    const random = chooseTargets('random', logits, labels, 4, 9, 100);
    random.forEach((t, r) => expect(t).not.toBe(labels[r]));
    expect(chooseTargets('random', logits.slice(4), labels.slice(1), 4, 9, 101)).toEqual([random[1]]);
    expect(() => chooseTargets({ rank: 4 }, logits, labels, 4, 0, 0)).toThrow(/rank 4 needs at least 5 classes/);
  });

  it('refuses attacks that pick their own classes, and bad target choices', () => {
    expect(() => evaluate(net.forward, data.x, data.y, { attacks: [autoAttack({ eps: 0.1 })], gen: new Generator(1), targets: ['random'] })).toThrow(/cannot run targeted/);
    expect(() => evaluate(net.forward, data.x, data.y, { attacks: [new FGSM({ eps: 0.1 })], gen: new Generator(1), targets: [{ rank: 0 }] })).toThrow(/target choice must be/);
  });
});

describe('reports', () => {
  it("carry AutoAttack's cumulative log and final check", () => {
    const report = evaluate(net.forward, data.x, data.y, { attacks: [autoAttack({ eps: 0.05, steps: 8, queries: 40 })], gen: new Generator(5), checks: false });
    const aa = report.attacks[0];
    expect(aa.log!.map((l) => l.attack.split('(')[0])).toEqual(['APGD-CE', 'APGD-T', 'FAB-T', 'Square']);
    const accs = aa.log!.map((l) => l.robustAccuracy);
    accs.slice(1).forEach((v, k) => expect(v).toBeLessThanOrEqual(accs[k]));
    expect(accs[0]).toBeLessThanOrEqual(report.cleanAccuracy);
    expect(accs[accs.length - 1]).toBeCloseTo(aa.accuracy, 12);
    expect(aa.finalCheck!.passed).toBe(true);
    expect(aa.finalCheck!.maxPerturbation).toBeLessThanOrEqual(0.05);
  });

  it('hold nothing of a failed attack but the failure; the others are reported', () => {
    // Finite logits for plain forwards, NaN ones whenever the input carries a gradient.
    const fragile = (x: Tensor) => (x.requiresGrad ? net.forward(x).mul(Number.NaN) : net.forward(x));
    const square = new SquareAttack({ eps: 0.05, queries: 10 });
    const report = evaluate(fragile, data.x, data.y, { attacks: [new PGD({ eps: 0.05, steps: 3 }), square], gen: new Generator(1), checks: false });
    expect(report.failures.map((f) => f.attack)).toEqual([new PGD({ eps: 0.05, steps: 3 }).name]);
    expect(report.failures[0].error).toMatch(/ValueError: PGD: the model returned a non-finite logit/);
    expect(report.attacks.map((a) => a.name)).toEqual([square.name]);
    expect(report.flags.some((f) => f.startsWith('attack failed: PGD'))).toBe(true);
  });

  it("AutoAttack's sanity checks (checks.sanity) flag a randomised model, probability outputs and zero gradients", () => {
    let calls = 0;
    const noisy = (x: Tensor) => net.forward(x).add(++calls % 2 === 0 ? 0.5 : 0);
    const probs = (x: Tensor) => softmax(net.forward(x), 1);
    const masked = straightThrough(net.forward, (x) => net.forward(x).mul(0));
    const checks = (model: (x: Tensor) => Tensor, sanity = true) =>
      evaluate(model, data.x, data.y, { attacks: [new FGSM({ eps: 0.05 })], gen: new Generator(1), checks: { stronger: false, epsValues: [1], sanity } }).checks;
    const failed = (model: (x: Tensor) => Tensor) => checks(model).filter((c) => !c.passed).map((c) => c.name);
    expect(checks(net.forward).map((c) => c.name)).toEqual(['accuracy-falls-with-eps', 'deterministic-outputs', 'logits-not-probabilities', 'nonzero-gradients']);
    expect(failed(net.forward)).toEqual([]);
    expect(failed(noisy)).toContain('deterministic-outputs');
    expect(failed(probs)).toContain('logits-not-probabilities');
    expect(failed(masked)).toContain('nonzero-gradients');
    expect(checks(net.forward, false).map((c) => c.name)).toEqual(['accuracy-falls-with-eps']);
  });

  it('evaluate a @kwta/nn model with Normalize inside, inputs in [0, 1] outside', () => {
    const model = new Sequential(new Normalize(0.5, 0.25), new Linear(8, 16, { gen: new Generator(1) }), new ReLU(), new Linear(16, 4, { gen: new Generator(2) }));
    model.eval();
    const report = evaluate(model, data.x, data.y, { attacks: [new APGD({ eps: 0.05, steps: 5 })], gen: new Generator(1), checks: false });
    expect(report.examples).toBe(12);
    const pred = tidy(() => noGrad(() => Array.from(argmax(model.forward(data.x), 1).dataSync())));
    expect(report.cleanAccuracy).toBeCloseTo(pred.filter((p, i) => p === data.y[i]).length / 12, 12);
  });
});

describe('bad input is a typed error naming the argument', () => {
  const pgd = new PGD({ eps: 0.05, steps: 2 });
  const gen = () => new Generator(1);

  it('eps, norm, targets out of range, NaN logits, labels of the wrong length', () => {
    expect(() => new PGD({ eps: -1 })).toThrow(/PGD: eps must be a number >= 0, got -1/);
    expect(() => new APGD({ eps: Number.NaN })).toThrow(ValueError);
    expect(() => new APGD({ eps: 0.1, norm: 'l0' as never })).toThrow(/APGD: norm must be 'linf' or 'l2' or 'l1', got 'l0'/);
    expect(() => new SquareAttack({ eps: 0.1, norm: 'l1' })).toThrow(/SquareAttack: norm must be 'linf' or 'l2', got 'l1'/);
    expect(() => pgd.run(net.forward, data.x, data.y, { gen: gen(), targets: Int32Array.from(data.y, () => 9) })).toThrow(/targets\[0\] = 9 but the model has 4 classes/);
    expect(() => pgd.run(net.forward, data.x, data.y, { gen: gen(), targets: [1, 2] })).toThrow(ShapeError);
    expect(() => pgd.run(net.forward, data.x, data.y, { gen: gen(), targets: Int32Array.from(data.y, () => -1) })).toThrow(/targets\[0\] must be a class index >= 0, got -1/);
    const nan = (x: Tensor) => net.forward(x).mul(Number.NaN);
    expect(() => pgd.run(nan, data.x, data.y, { gen: gen() })).toThrow(/PGD: the model returned a non-finite logit \(NaN\)/);
    expect(() => evaluate(nan, data.x, data.y, { attacks: [pgd], gen: gen() })).toThrow(/evaluate: the model returned a non-finite logit/);
    expect(() => pgd.run(net.forward, data.x, data.y.subarray(2), { gen: gen() })).toThrow(/PGD: labels has 10 entries for 12 inputs/);
    expect(() => evaluate(net.forward, data.x, data.y.subarray(2), { attacks: [pgd], gen: gen() })).toThrow(/evaluate: 10 labels for 12 inputs/);
    expect(() => evaluate(net.forward, data.x, Int32Array.from(data.y, () => 5), { attacks: [pgd], gen: gen() })).toThrow(/labels\[0\] = 5 but the model has 4 classes/);
    expect(() => pgd.run(net.forward, data.x, data.y, { seeds: [1, 2] })).toThrow(/PGD: seeds has 2 entries for 12 inputs/);
    expect(() => new APGD({ eps: 0.1 }).run(net.forward, tensor(new Float32Array(8), [1, 8]), [0])).toThrow(/APGD: needs a Generator/);
  });
});
