import { Generator, ValueError, memory, type Tensor } from '@kwta/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CarliniWagnerL2, DeepFool, FGSM, PGD, SquareAttack, evaluate, straightThrough, type Attack, type AttackResult, type Classifier, type Labels, type Progress } from '../src/index.js';
import { tinyProblem } from './fixtures/models.js';
import type { Mlp } from './fixtures/mlp.js';
import type { Blobs } from './fixtures/synthetic.js';

let net: Mlp;
let data: Blobs;

beforeAll(() => {
  ({ net, test: data } = tinyProblem());
});

/** An attack that "breaks" a fixed set of examples, to test the harness's bookkeeping alone. */
class FixedAttack implements Attack {
  readonly kind = 'white-box' as const;
  readonly norm = 'linf' as const;
  constructor(
    readonly name: string,
    readonly broken: Set<number>,
    readonly eps = 0.1,
  ) {}
  withEps(eps: number): Attack {
    return new FixedAttack(this.name, eps >= 1 ? new Set(data.y.keys()) : this.broken, eps);
  }
  run(_m: Classifier, x: Tensor, y: Labels): AttackResult {
    const n = x.shape[0];
    void y;
    return { xAdv: x, success: [...Array(n).keys()].map((i) => this.broken.has(i)), norms: new Array(n).fill(0), forwardCount: new Array(n).fill(1), gradCount: new Array(n).fill(0) };
  }
}

describe('evaluate', () => {
  it('counts an example robust only if it is correct and every attack fails on it', () => {
    const a = new FixedAttack('A', new Set([0, 1, 2]));
    const b = new FixedAttack('B', new Set([2, 3, 4, 5]));
    const report = evaluate(net.forward, data.x, data.y, { attacks: [a, b], gen: new Generator(1), checks: false });
    const correct = Array.from(net.forward(data.x).argmax(1).dataSync(), (p, i) => p === data.y[i]);
    const expected = correct.map((c, i) => c && i > 5);
    expect(report.robust).toEqual(expected);
    expect(report.robustAccuracy).toBeCloseTo(expected.filter(Boolean).length / data.y.length, 12);
    expect(report.attacks.map((s) => s.accuracy)).toEqual([9 / 12, 8 / 12]);
    expect(report.strongestAttack).toBe('B');
    expect(report.cleanAccuracy).toBeCloseTo(net.accuracy(data.x, data.y), 12);
  });

  it('reports progress, is JSON-serialisable and deterministic for a seed', () => {
    const seen: Progress[] = [];
    const attacks = () => [new FGSM({ eps: 0.1 }), new PGD({ eps: 0.1, steps: 10 }), new SquareAttack({ eps: 0.1, queries: 50 })];
    const report = evaluate(net.forward, data.x, data.y, { attacks: attacks(), gen: new Generator(2), batchSize: 5, onProgress: (p) => seen.push(p) });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(seen[0]).toEqual({ stage: 'clean', name: 'clean', done: 0, total: 12 });
    // Batch by batch (the steps within a batch come as statuses, tested below).
    expect(seen.filter((p) => p.stage === 'attack' && p.status === undefined).map((p) => p.done)).toEqual([0, 5, 10, 12, 0, 5, 10, 12, 0, 5, 10, 12]);
    expect(seen.some((p) => p.stage === 'check')).toBe(true);
    const before = memory().numTensors;
    const again = evaluate(net.forward, data.x, data.y, { attacks: attacks(), gen: new Generator(2), batchSize: 5 });
    expect(memory().numTensors).toBe(before);
    const strip = (r: typeof report) => ({ ...r, attacks: r.attacks.map((a) => ({ ...a, seconds: 0 })) });
    expect(strip(again)).toEqual(strip(report));
  });

  it('says within a batch how far an iterative attack has got (a status per step or query), without changing any result', () => {
    const attacks = () => [new PGD({ eps: 0.1, steps: 10 }), new SquareAttack({ eps: 0.1, queries: 30 })];
    const seen: Progress[] = [];
    const report = evaluate(net.forward, data.x, data.y, { attacks: attacks(), gen: new Generator(2), batchSize: 5, checks: false, onProgress: (p) => seen.push(p) });
    const quiet = evaluate(net.forward, data.x, data.y, { attacks: attacks(), gen: new Generator(2), batchSize: 5, checks: false });
    const strip = (r: typeof report) => ({ ...r, attacks: r.attacks.map((a) => ({ ...a, seconds: 0 })) });
    expect(strip(report)).toEqual(strip(quiet));
    for (const [name, unit, steps] of [[attacks()[0].name, 'step', 10], [attacks()[1].name, 'query', 30]] as const) {
      const statuses = seen.filter((p) => p.name === name && p.status !== undefined);
      expect(statuses.length).toBeGreaterThan(0);
      // A status belongs to the batch under way: its examples are the ones after the batches done.
      for (const p of statuses) {
        const m = new RegExp(`^examples (\\d+)-(\\d+): ${unit} (\\d+) of ${steps}, (\\d+) of (\\d+) unbroken$`).exec(p.status!);
        expect(m, p.status).not.toBeNull();
        const [from, to, step, active, n] = m!.slice(1).map(Number);
        expect([from, to]).toEqual([p.done + 1, Math.min(p.done + 5, 12)]);
        expect(step).toBeGreaterThanOrEqual(1);
        expect(step).toBeLessThanOrEqual(steps);
        expect(active).toBeLessThanOrEqual(n);
        expect(n).toBeLessThanOrEqual(to - from + 1);
      }
      // Within a batch the steps count up one at a time and the unbroken rows only fall.
      for (const done of new Set(statuses.map((p) => p.done))) {
        const batch = statuses.filter((p) => p.done === done).map((p) => p.status!.match(/(\d+) of \d+, (\d+) of/)!.slice(1).map(Number));
        const first = unit === 'query' ? 2 : 1;
        expect(batch.map(([s]) => s)).toEqual(batch.map((_, k) => first + k));
        batch.forEach(([, a], k) => k > 0 && expect(a).toBeLessThanOrEqual(batch[k - 1][1]));
      }
    }
  });

  it("names the outer loop a step lies in (PGD's restarts, C&W's binary search) and reports DeepFool's and C&W's steps, without changing any result", () => {
    const attacks = () => [new PGD({ eps: 0.05, steps: 4, restarts: 3 }), new CarliniWagnerL2({ eps: 0.1, norm: 'linf', binarySearchSteps: 2, steps: 3 }), new DeepFool({ eps: 0.1, norm: 'linf', steps: 5 })];
    const seen: Progress[] = [];
    const report = evaluate(net.forward, data.x, data.y, { attacks: attacks(), gen: new Generator(5), batchSize: 6, checks: false, onProgress: (p) => seen.push(p) });
    const quiet = evaluate(net.forward, data.x, data.y, { attacks: attacks(), gen: new Generator(5), batchSize: 6, checks: false });
    const strip = (r: typeof report) => ({ ...r, attacks: r.attacks.map((a) => ({ ...a, seconds: 0 })) });
    expect(strip(report)).toEqual(strip(quiet));
    const statusesOf = (a: Attack) => seen.filter((p) => p.name === a.name && p.status !== undefined).map((p) => p.status!.replace(/^examples \d+-\d+: /, ''));
    const [pgd, cw, deepfool] = attacks().map(statusesOf);
    // PGD: restart r's steps, then restart r + 1's (on the rows still unbroken).
    expect(pgd.every((s) => /^restart [123] of 3, step [1-4] of 4, \d+ of \d+ unbroken$/.test(s)), pgd.join('\n')).toBe(true);
    expect(pgd.slice(0, 4).map((s) => s.split(',').slice(0, 2).join(','))).toEqual([1, 2, 3, 4].map((t) => `restart 1 of 3, step ${t} of 4`));
    // C&W: every Adam step of each search step, every row to the end.
    expect(cw.slice(0, 6).map((s) => s.split(',').slice(0, 2).join(','))).toEqual([1, 2].flatMap((b) => [1, 2, 3].map((t) => `search step ${b} of 2, step ${t} of 3`)));
    const cwBatches = seen.filter((p) => p.name === attacks()[1].name && p.status !== undefined);
    for (const done of new Set(cwBatches.map((p) => p.done))) {
      expect(new Set(cwBatches.filter((p) => p.done === done).map((p) => / (\d+) of \d+ unbroken$/.exec(p.status!)![1])).size).toBe(1);
    }
    // DeepFool: one loop, its steps counting up until every row has flipped or the steps run out.
    expect(deepfool.length).toBeGreaterThan(0);
    expect(deepfool.every((s) => /^step [1-5] of 5, \d+ of \d+ unbroken$/.test(s)), deepfool.join('\n')).toBe(true);
  });

  it('passes the masking checks on a network that does not mask gradients', () => {
    const report = evaluate(net.forward, data.x, data.y, {
      attacks: [new PGD({ eps: 0.1, steps: 20 }), new SquareAttack({ eps: 0.1, queries: 200 })],
      gen: new Generator(3),
    });
    expect(report.checks.map((c) => c.name)).toEqual(['accuracy-falls-with-eps', 'stronger-attack-not-weaker', 'white-box-beats-black-box']);
    expect(report.flags).toEqual([]);
    const sweep = report.checks[0].data.accuracy as number[];
    expect(sweep[sweep.length - 1]).toBeLessThanOrEqual(0.1);
  });

  it('flags a model whose gradients are zeroed: accuracy does not fall with eps and Square beats PGD', () => {
    // Exact forward, zero backward: the crudest gradient masking.
    const masked = straightThrough(net.forward, (x) => net.forward(x).mul(0));
    const report = evaluate(masked, data.x, data.y, {
      attacks: [new PGD({ eps: 0.15, steps: 10, randomStart: false }), new SquareAttack({ eps: 0.15, queries: 200 })],
      gen: new Generator(4),
      checks: { stronger: false },
    });
    const failed = report.checks.filter((c) => !c.passed).map((c) => c.name);
    expect(failed).toEqual(['accuracy-falls-with-eps', 'white-box-beats-black-box']);
    expect(report.flags).toHaveLength(2);
    expect(report.attacks[0].accuracy).toBeCloseTo(report.cleanAccuracy, 12);
  });

  it('judges the eps sweep in order of eps, also for radii below the nominal one', () => {
    const pgd = new PGD({ eps: 0.1, steps: 10 });
    const report = evaluate(net.forward, data.x, data.y, { attacks: [pgd], gen: new Generator(2), checks: { stronger: false, epsValues: [0.02, 0.05, 1] } });
    const sweep = report.checks.find((c) => c.name === 'accuracy-falls-with-eps')!;
    expect(sweep.data.eps).toEqual([0.02, 0.05, 0.1, 1]);
    expect(sweep.passed).toBe(true);
  });

  it('flags a stronger variant that does worse', () => {
    class Weakening extends FixedAttack {
      stronger(): Attack {
        return new FixedAttack('A-stronger', new Set([0]));
      }
    }
    const report = evaluate(net.forward, data.x, data.y, { attacks: [new Weakening('A', new Set([0, 1, 2, 3, 4, 5, 6, 7]))], gen: new Generator(5) });
    const check = report.checks.find((c) => c.name === 'stronger-attack-not-weaker')!;
    expect(check.passed).toBe(false);
    expect(check.detail).toMatch(/A-stronger/);
  });

  it('rejects an empty attack list, a missing generator and mismatched labels', () => {
    expect(() => evaluate(net.forward, data.x, data.y, { attacks: [], gen: new Generator(1) })).toThrow(ValueError);
    expect(() => evaluate(net.forward, data.x, data.y, { attacks: [new FGSM({ eps: 0.1 })] } as never)).toThrow(/needs a Generator/);
    expect(() => evaluate(net.forward, data.x, data.y.subarray(2), { attacks: [new FGSM({ eps: 0.1 })], gen: new Generator(1) })).toThrow(/10 labels for 12 inputs/);
  });
});
