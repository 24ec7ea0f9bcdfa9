import { Generator, tensor, type Tensor } from '@kwta/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  APGD, APGDT, AttackState, FAB, FABT, PGD, SquareAttack, apgdCheckpoints, apgdRule, autoAttack, autoAttackMembers, distance, evaluate, gradientOracle, kwtaAdaptive, lossGradient,
  mixSeed, normOf, runIterative, samplesAt, type MemberProgress, type Norm, type Progress,
} from '../src/index.js';
import { blobProblem } from './fixtures/models.js';
import type { Mlp } from './fixtures/mlp.js';
import { trainedMnistCnn } from './fixtures/mnist-cnn.js';
import { linearModel } from './fixtures/problems.js';
import type { Blobs } from './fixtures/synthetic.js';

const robust = (s: boolean[]) => s.filter((v) => !v).length;

let net: Mlp;
let data: Blobs;

beforeAll(() => {
  ({ net, test: data } = blobProblem('relu', 60));
});

/** A random linear classifier near a point in the middle of [0, 1]^d and inputs whose boundaries are close. */
function linearProblem(seed: number, d: number, classes: number, n: number) {
  const g = new Generator(seed);
  const w = Array.from({ length: d }, () => Array.from({ length: classes }, () => g.normal()));
  const b = Array.from({ length: classes }, () => 0.3 * g.normal());
  const x = Float32Array.from({ length: n * d }, () => 0.45 + 0.1 * g.uniform());
  const model = linearModel(w, b);
  const logits = model(tensor(x, [n, d])).dataSync();
  const y = Int32Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
    return best;
  });
  /** Distance (in the norm) from example i to the boundary with class k, with no box in the way. */
  const boundary = (i: number, k: number, norm: Norm) => {
    const diff = w.map((row) => row[y[i]] - row[k]);
    const dual: Norm = norm === 'linf' ? 'l1' : norm === 'l2' ? 'l2' : 'linf';
    return (logits[i * classes + y[i]] - logits[i * classes + k]) / normOf(diff, 0, d, dual);
  };
  return { model, x: tensor(x, [n, d]), y, boundary, classes };
}

describe('APGD', () => {
  it('checkpoints at 22% of the steps, each window 3% shorter, never under 6%', () => {
    expect(apgdCheckpoints(100)).toEqual([22, 41, 57, 70, 80, 87, 93, 99]);
    expect(apgdCheckpoints(10)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('ends at the best point it visited: its best objective is the maximum over every iterate, its first PGD step included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.constantFrom<Norm>('linf', 'l2', 'l1'), (seed, norm) => {
        const eps = { linf: 0.05, l2: 0.2, l1: 0.6 }[norm];
        const threat = { eps, norm, bounds: [0, 1] as const };
        const state = new AttackState('test', data.x, data.y, { gen: new Generator(seed) }, threat);
        state.markCleanSuccesses(net.forward);
        const objective = state.objective('ce');
        const inner = gradientOracle(state, net.forward, objective);
        const seen = new Map<number, number[]>();
        const oracle: typeof inner = (indices, cur, t) => {
          const ev = inner(indices, cur, t);
          indices.forEach((i, r) => seen.set(i, [...(seen.get(i) ?? []), ev.loss[r]]));
          return ev;
        };
        const rule = apgdRule(state, threat, { steps: 15, rho: 0.75, momentum: 0.75 });
        runIterative(state, net.forward, oracle, rule, { threat, steps: 15, restarts: 1, start: 'apgd', judge: false });
        for (const [i, losses] of seen) {
          const best = rule.best(i)!;
          const at = lossGradient(state, net.forward, [i], best, objective).loss[0];
          expect(at).toBeCloseTo(Math.max(...losses.slice(0, 15)), 5);
          expect(at).toBeGreaterThanOrEqual(losses[1] - 1e-6);
        }
      }),
      { numRuns: 6 },
    );
  });

  it('on the same budget leaves no more examples robust than PGD (L2 and L1, five seeds)', () => {
    for (const norm of ['l2', 'l1'] as const) {
      const eps = { l2: 0.3, l1: 0.8 }[norm];
      let pgd = 0;
      let apgd = 0;
      for (let seed = 1; seed <= 5; seed++) {
        pgd += robust(new PGD({ eps, norm, steps: 20 }).run(net.forward, data.x, data.y, { gen: new Generator(seed) }).success);
        apgd += robust(new APGD({ eps, norm, steps: 20 }).run(net.forward, data.x, data.y, { gen: new Generator(seed) }).success);
      }
      expect(apgd, norm).toBeLessThanOrEqual(pgd);
    }
  });

  it('APGD-CE beats or ties PGD-20 on a small trained MNIST CNN', async () => {
    const { model, x, y } = await trainedMnistCnn(100);
    const eps = 0.1;
    const pgd = robust(new PGD({ eps, steps: 20, stepSize: eps / 8 }).run(model, x, y, { gen: new Generator(1) }).success);
    await new Promise((resolve) => setImmediate(resolve));
    const apgd = robust(new APGD({ eps }).run(model, x, y, { gen: new Generator(1) }).success);
    expect(pgd).toBeLessThan(60);
    expect(apgd).toBeLessThanOrEqual(pgd);
  });

  it('APGD-T on a linear model reaches the closest class when only that one is within eps', () => {
    const p = linearProblem(7, 12, 5, 100);
    let checked = 0;
    for (let i = 0; i < 100 && checked < 8; i++) {
      const dists = [...Array(p.classes).keys()].filter((k) => k !== p.y[i]).map((k) => ({ k, d: p.boundary(i, k, 'linf') })).sort((a, b) => a.d - b.d);
      // Moves of at most 0.3 stay inside [0, 1] from [0.45, 0.55]: the closed form holds.
      if (dists[0].d > 0.2 || dists[1].d < 1.5 * dists[0].d) continue;
      const eps = (dists[0].d + dists[1].d) / 2;
      const xi = tensor(p.x.dataSync().slice(i * 12, (i + 1) * 12), [1, 12]);
      const res = new APGDT({ eps, norm: 'linf', steps: 50 }).run(p.model, xi, [p.y[i]], { gen: new Generator(i) });
      expect(res.success[0]).toBe(true);
      expect(predict(p.model, res.xAdv)).toEqual([dists[0].k]);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it('L1 with the 3-2-1 eps schedule stays inside the final ball and breaks at least as much as plain L1 APGD', () => {
    const eps = 0.6;
    const plain = new APGD({ eps, norm: 'l1', steps: 30 }).run(net.forward, data.x, data.y, { gen: new Generator(3) });
    const staged = new APGD({ eps, norm: 'l1', steps: 30, largeEps: true }).run(net.forward, data.x, data.y, { gen: new Generator(3) });
    const x = data.x.dataSync();
    const adv = staged.xAdv.dataSync();
    for (let i = 0; i < data.y.length; i++) expect(distance(adv, x, i * 20, 20, 'l1')).toBeLessThanOrEqual(eps);
    expect(robust(staged.success)).toBeLessThanOrEqual(robust(plain.success) + 2);
  });
});

function predict(model: (x: Tensor) => Tensor, x: Tensor): number[] {
  return Array.from(model(x).argmax(1).dataSync());
}

describe('FAB', () => {
  for (const norm of ['linf', 'l2', 'l1'] as const) {
    it(`on a linear classifier finds the analytic minimum-norm perturbation (${norm}) within 1%`, () => {
      const p = linearProblem(11, 10, 3, 20);
      const r = new FAB({ norm, steps: 100 }).run(p.model, p.x, p.y);
      let checked = 0;
      for (let i = 0; i < 20; i++) {
        const analytic = Math.min(...[0, 1, 2].filter((k) => k !== p.y[i]).map((k) => p.boundary(i, k, norm)));
        // Keep examples whose minimal move stays inside the box (the closed form ignores it).
        if (analytic > (norm === 'l1' ? 0.3 : norm === 'l2' ? 0.3 : 0.3)) continue;
        expect(r.success[i]).toBe(true);
        expect(r.norms[i] / analytic, `example ${i}`).toBeGreaterThanOrEqual(1 - 1e-5);
        expect(r.norms[i] / analytic, `example ${i}`).toBeLessThanOrEqual(1.01);
        checked++;
      }
      expect(checked).toBeGreaterThanOrEqual(10);
    });
  }

  it('FAB-T counts any misclassification within eps, and leaves examples outside eps untouched', () => {
    const p = linearProblem(13, 10, 4, 30);
    const eps = 0.03;
    const r = new FABT({ eps, norm: 'l2', steps: 50 }).run(p.model, p.x, p.y);
    const x = p.x.dataSync();
    const adv = r.xAdv.dataSync();
    for (let i = 0; i < 30; i++) {
      const closest = Math.min(...[0, 1, 2, 3].filter((k) => k !== p.y[i]).map((k) => p.boundary(i, k, 'l2')));
      if (closest < 0.9 * eps) expect(r.success[i], `example ${i}`).toBe(true);
      if (closest > eps) {
        expect(r.success[i]).toBe(false);
        expect(distance(adv, x, i * 10, 10, 'l2')).toBe(0);
      }
    }
  });
});

describe('Square', () => {
  /** Logits that ignore the input: the label always wins, so no query can break an example. */
  const stubborn = (x: Tensor) => tensor(Float32Array.from({ length: x.shape[0] * 3 }, (_, k) => (k % 3 === 0 ? 5 : 0)), [x.shape[0], 3]).add(x.sum(1, true).mul(0));

  it('spends exactly its query budget on an example it cannot break (plus the clean and final forwards)', () => {
    const x = tensor(Float32Array.from({ length: 4 * 16 }, (_, k) => (k % 7) / 7), [4, 16]);
    for (const norm of ['linf', 'l2'] as const) {
      for (const queries of [1, 2, 37]) {
        const r = new SquareAttack({ eps: 0.1, norm, queries }).run(stubborn, x, [0, 0, 0, 0], { gen: new Generator(1) });
        expect(r.forwardCount).toEqual([queries + 2, queries + 2, queries + 2, queries + 2]);
        expect(r.gradCount).toEqual([0, 0, 0, 0]);
      }
    }
    // An example broken by the first query stops there: clean, one query, final.
    const flip = (t: Tensor) => tensor(Float32Array.from({ length: t.shape[0] * 2 }, (_, k) => k % 2), [t.shape[0], 2]).mul(t.sum(1, true).greater(4.01).cast('float32').mul(2).sub(1));
    const x1 = tensor(new Float32Array(8).fill(0.5), [1, 8]);
    const r = new SquareAttack({ eps: 0.05, queries: 50 }).run(flip, x1, [0], { gen: new Generator(2) });
    expect(r.success).toEqual([true]);
    expect(r.forwardCount[0]).toBeLessThan(52);
    expect(r.forwardCount[0]).toBeGreaterThanOrEqual(3);
  });

  it("uses AutoAttack's schedule: p_init 0.8 halved at queries 10, 50, 200, ... by query number", () => {
    const a = new SquareAttack({ eps: 0.1 });
    expect([a.queries, a.pInit, a.rescaleSchedule]).toEqual([5000, 0.8, false]);
  });

  it('in L2, breaks at least two thirds of what PGD breaks on the ReLU net, with queries only', () => {
    const pgd = new PGD({ eps: 0.4, norm: 'l2', steps: 20 }).run(net.forward, data.x, data.y, { gen: new Generator(4) });
    const sq = new SquareAttack({ eps: 0.4, norm: 'l2', queries: 1000 }).run(net.forward, data.x, data.y, { gen: new Generator(4) });
    const broken = (s: boolean[]) => s.filter(Boolean).length;
    expect(broken(sq.success)).toBeGreaterThanOrEqual((2 / 3) * broken(pgd.success));
    expect(sq.gradCount.every((c) => c === 0)).toBe(true);
  });
});

describe('AutoAttack', () => {
  it('runs its members in order, each on what the earlier ones left, and traces who broke what', () => {
    const eps = 0.08;
    const aa = autoAttack({ eps, steps: 10, queries: 100 });
    expect(aa.members.map((m) => m.name.split('(')[0])).toEqual(['APGD-CE', 'APGD-T', 'FAB-T', 'Square']);
    const seeds = Array.from(data.y, (_, i) => 1000 + i);
    const finished: MemberProgress[] = [];
    const r = aa.run(net.forward, data.x, data.y, { seeds, onMember: (m) => finished.push(m) });
    const trace = r.trace!;
    // It says as each member finishes what is left unbroken: the examples no member up to it broke.
    expect(finished.map((m) => [m.member, m.index, m.members, m.n])).toEqual(aa.members.map((m, k) => [m.name, k, 4, 60]));
    expect(finished.map((m) => m.unbroken)).toEqual(aa.members.map((_, k) => trace.brokenBy.filter((b) => b === -1 || b > k).length));
    expect(finished.map((m) => m.seconds)).toEqual(trace.seconds);
    expect(trace.members).toEqual(aa.members.map((m) => m.name));
    // Replay: member k on the examples no earlier member broke, with the seeds AutoAttack derives.
    let left = [...data.y.keys()].filter((i) => trace.brokenBy[i] !== -2);
    const brokenBy = new Array<number>(60).fill(-1);
    aa.members.forEach((m, k) => {
      if (left.length === 0) return;
      const x = tensor(Float32Array.from(left.flatMap((i) => Array.from(data.x.dataSync().slice(i * 20, (i + 1) * 20)))), [left.length, 20]);
      const res = m.run(net.forward, x, Int32Array.from(left, (i) => data.y[i]), { seeds: left.map((i) => mixSeed(seeds[i], k)) });
      left.forEach((i, row) => {
        if (res.success[row]) brokenBy[i] = k;
      });
      left = left.filter((_, row) => !res.success[row]);
    });
    trace.brokenBy.forEach((b, i) => expect(b === -2 ? -2 : brokenBy[i], `example ${i}`).toBe(b));
    expect(r.success).toEqual(trace.brokenBy.map((b) => b !== -1));
  });

  it('in the harness, says how far a batch has got: a line as each member finishes, between the batch lines', () => {
    const seen: Progress[] = [];
    const report = evaluate(net.forward, data.x, data.y, { attacks: [autoAttack({ eps: 0.08, steps: 3, queries: 10 })], gen: new Generator(4), batchSize: 25, checks: false, onProgress: (p) => seen.push(p) });
    expect(report.failures).toEqual([]);
    const attack = seen.filter((p) => p.stage === 'attack');
    const lines = attack.filter((p) => p.detail !== undefined);
    expect(attack.filter((p) => p.detail === undefined && p.status === undefined).map((p) => p.done)).toEqual([0, 25, 50, 60]);
    // Between them, each member's steps (Square's queries) as statuses that name the member, and
    // for the target sweeps which target class the steps belong to.
    const statuses = attack.filter((p) => p.status !== undefined).map((p) => p.status!);
    for (const [member, unit, loop] of [['APGD-CE', 'step', ''], ['APGD-T', 'step', 'target \\d+ of \\d+, '], ['FAB-T', 'step', 'target \\d+ of \\d+, '], ['Square', 'query', '']]) {
      expect(statuses.some((s) => new RegExp(`^examples 1-25: ${member} ${loop}${unit} \\d+ of \\d+, \\d+ of \\d+ unbroken$`).test(s)), `${member}\n${statuses.join('\n')}`).toBe(true);
    }
    // The targets come in order, each once (every step of a target before the next one's).
    const apgdTargets = statuses.filter((s) => s.startsWith('examples 1-25: APGD-T')).map((s) => /target (\d+) of (\d+)/.exec(s)!.slice(1).map(Number));
    const order = apgdTargets.map(([t]) => t).filter((t, k, all) => k === 0 || t !== all[k - 1]);
    expect(order).toEqual(order.map((_, k) => k + 1));
    // Every other class is a target (the blobs have fewer than AutoAttack's 9 + 1).
    expect(new Set(apgdTargets.map(([, of]) => of))).toEqual(new Set([data.means.length - 1]));
    expect(lines.map((p) => p.done)).toEqual([0, 25, 50].flatMap((d) => [d, d, d, d]));
    const parsed = lines.map((p) => /^examples (\d+-\d+): (APGD-CE|APGD-T|FAB-T|Square) \((\d) of 4\) leaves (\d+) of (\d+) unbroken, \d+ s$/.exec(p.detail!));
    expect(parsed.every((m) => m !== null), lines.map((p) => p.detail).join('\n')).toBe(true);
    expect(parsed.map((m) => `${m![1]} ${m![2]} ${m![3]} ${m![5]}`)).toEqual(['1-25', '26-50', '51-60'].flatMap((r, b) => ['APGD-CE', 'APGD-T', 'FAB-T', 'Square'].map((name, k) => `${r} ${name} ${k + 1} ${b < 2 ? 25 : 10}`)));
    // What the last member leaves, batch by batch, is what AutoAttack leaves: its robust count.
    const left = parsed.filter((m) => m![3] === '4').reduce((a, m) => a + Number(m![4]), 0);
    expect(left).toBe(Math.round(report.attacks[0].accuracy * 60));
    expect(left).toBeGreaterThan(0);
  });

  it("has the reference's versions: standard, plus (more restarts, FAB and APGD-DLR) and rand (EOT 20), and L1's schedule", () => {
    const names = (o: Parameters<typeof autoAttackMembers>[0]) => autoAttackMembers(o).map((m) => m.name);
    expect(names({ eps: 0.3, version: 'plus' }).map((n) => n.split('(')[0])).toEqual(['APGD-CE', 'APGD-DLR', 'FAB', 'Square', 'APGD-T', 'FAB-T']);
    expect(names({ eps: 0.3, version: 'plus' })[0]).toContain('100x5');
    expect(names({ eps: 0.3, version: 'rand' })).toEqual(['APGD-CE(linf, eps=0.3, 100x1, eot 20)', 'APGD-DLR(linf, eps=0.3, 100x1, eot 20)']);
    expect(names({ eps: 10, norm: 'l1' })).toEqual(['APGD-CE(l1, eps=10, 100x5, eps 3-2-1)', 'APGD-T(l1, eps=10, 100x1, eps 3-2-1, 5 targets)', 'FAB-T(l1, eps=10, 100x1, 9 targets)']);
    expect(names({ eps: 0.5, norm: 'l2' })[3]).toBe('Square(l2, eps=0.5, 5000 queries)');
    expect(() => autoAttack({ eps: 0.3, version: 'fast' as never })).toThrow(/version must be 'standard', 'plus', 'rand', got 'fast'/);
  });
});

describe('the published k-WTA attack preset', () => {
  it('scales sigma and the step with eps, keeps the 100 / 1000 / 20,000 sample schedule, and says when the budget shrinks it', () => {
    const a = kwtaAdaptive({ eps: 8 / 255 });
    expect(a.cfg.stepSize).toBeCloseTo(0.01, 12);
    expect(a.cfg.sigmaFraction).toBe(1);
    expect(a.cfg.randomStart).toBe(false);
    expect([0, 19, 20, 39, 40, 99].map((t) => samplesAt(a.cfg.samples, t))).toEqual([100, 100, 1000, 1000, 20000, 20000]);
    const mnist = kwtaAdaptive({ eps: 0.3 });
    expect(mnist.cfg.stepSize).toBeCloseTo((0.01 * 0.3) / (8 / 255), 12);
    expect(mnist.name).toBe('kWTA-adaptive(linf, eps=0.3)');
    expect(kwtaAdaptive({ eps: 0.3, budget: 0.01 }).name).toBe('kWTA-adaptive(linf, eps=0.3, budget 0.01)');
    expect(() => kwtaAdaptive({ eps: 0.3, budget: 2 })).toThrow(/budget must be in \(0, 1\]/);
  });

  it('reports the forward passes it spent per example: a centre forward and two per sample at each step, then the judging ones', () => {
    const stubborn = (x: Tensor) => tensor(Float32Array.from({ length: x.shape[0] * 3 }, (_, k) => (k % 3 === 0 ? 5 : 0)), [x.shape[0], 3]).add(x.sum(1, true).mul(0));
    const a = kwtaAdaptive({ eps: 0.1, budget: 0.001, steps: 45 });
    const r = a.run(stubborn, tensor(new Float32Array(2 * 5).fill(0.5), [2, 5]), [0, 0], { gen: new Generator(1) });
    let expected = 3; // the clean forward, the loop's judging of its last iterate, the final forward
    for (let t = 0; t < 45; t++) expected += 1 + 2 * samplesAt(a.cfg.samples, t);
    expect(r.forwardCount).toEqual([expected, expected]);
    expect(r.gradCount).toEqual([0, 0]);
  });
});
