import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Generator, ValueError } from '@kwta/core';
import { mnistCnn, reluFactory } from '@kwta/nn';
import { reportOf, type EvaluationState } from '@kwta/attacks';
import { FASHION_SETTINGS, FULL_SETTINGS, planStages, restoreStudy, runStudy, studyPaths, tinySettings, type Progress, type ProgressFactory } from '../src/node.js';
import { pctCi, pointsCi } from '../src/output.js';
import { METHOD_TITLES, attackTitle, deviations, mainTable, mnistCnnBytes, projection } from '../src/paper-scale/sections.js';
import { liesWithin } from '../src/paper-scale/report.js';
import { retrainsAhead } from '../src/paper-scale/restore.js';
import { trainSize } from '../src/paper-scale/settings.js';
import type { Ledger } from '../src/paper-scale/ledger.js';
import type { Method } from '@kwta/train';

const root = mkdtempSync(join(tmpdir(), 'kwta-paper-scale-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const settings = tinySettings();
const COMMAND = 'kwta paper-scale --preset tiny';

/** A progress factory that throws (an injected kill) at the n-th update of the first bar whose label starts with `prefix`. */
function abortAt(prefix: string, n: number): ProgressFactory & { fired: boolean } {
  const f = ((label: string): Progress => {
    let updates = 0;
    return {
      // Batches and epochs only: an attack's steps within a batch come as statuses, and a kill
      // there would leave the batch this test means to have finished unfinished.
      update: (_done, status) => {
        if (status !== undefined && label.startsWith('eval ')) return;
        if (!f.fired && label.startsWith(prefix) && ++updates === n) {
          f.fired = true;
          throw new Error(`injected abort in ${label}`);
        }
      },
      stop: () => {},
    };
  }) as unknown as ProgressFactory & { fired: boolean };
  f.fired = false;
  return f;
}

/** results.json's models, every `seconds` (a wall time, which differs between sittings) zeroed. */
function comparable(out: string): unknown {
  return (JSON.parse(readFileSync(join(out, 'report', 'results.json'), 'utf8'), (key, value: unknown) => (key === 'seconds' ? 0 : value)) as { models: unknown[] }).models;
}

const weights = (out: string, id: string) => readFileSync(join(out, 'models', id, 'model.safetensors'));

describe('the paper-scale study, end to end at a tiny setting', () => {
  const straight = join(root, 'straight');
  const interrupted = join(root, 'interrupted');
  let readme = '';

  it('runs every stage in order (k-WTA and ReLU natural first, ReLU adversarial training last) and writes the report', async () => {
    const ids = planStages(settings).map((s) => s.id);
    expect(ids[0]).toBe('budget');
    // k-WTA natural at every width first (the sweep's PGD curve); the transfer attack's source, an
    // independently trained twin, is trained just before the strong evaluation, for k-WTA models only.
    expect(ids.slice(1, 7)).toEqual(['train kwta-0.1-natural-h32', 'eval kwta-0.1-natural-h32 pgd', 'train kwta-0.1-natural-h16', 'eval kwta-0.1-natural-h16 pgd',
      'train kwta-0.1-natural-h32-twin', 'eval kwta-0.1-natural-h32 strong']);
    expect(ids.slice(7, 12)).toEqual(['train relu-natural-h32', 'eval relu-natural-h32 pgd', 'eval relu-natural-h32 strong', 'train relu-natural-h16', 'eval relu-natural-h16 pgd']);
    expect(ids.slice(12, 14)).toEqual(['eval kwta-0.1-natural-h16 strong', 'eval relu-natural-h16 strong']);
    expect(new Set(ids).size).toBe(ids.length);
    const strongOf = (id: string) => planStages(settings).find((s) => s.id === id) as { attacks: string[] };
    expect(strongOf('eval kwta-0.1-natural-h32 strong').attacks).toContain('transfer');
    expect(strongOf('eval relu-natural-h32 strong').attacks).not.toContain('transfer');
    expect(ids.filter((id) => id.endsWith('-twin'))).toEqual(['train kwta-0.1-natural-h32-twin', 'train kwta-0.1-free-h32-twin']);
    // With one held-out set for everything, the strong evaluation's PGD serves as the PGD set's.
    expect(planStages(tinySettings({ pgdExamples: 12 })).filter((s) => s.id.endsWith(' pgd'))).toEqual([]);
    // ... and the main table prints that PGD once, not again among the strong attacks.
    const pgdColumns = (s: ReturnType<typeof tinySettings>) => mainTable([], s).split('\n')[0].split('|').filter((h) => h.trim().startsWith(attackTitle('pgd', s))).length;
    expect(pgdColumns(tinySettings({ pgdExamples: 12 }))).toBe(1);
    expect(pgdColumns(tinySettings())).toBe(2);
    const full = planStages(FULL_SETTINGS).map((s) => s.id);
    expect(full.slice(-6).every((id) => id.includes('relu-at') || id.includes('relu-trades'))).toBe(true);
    expect(full.filter((id) => id.startsWith('train')).length).toBe(8 + 4 + 6); // 8 models of Table 4, the 4 k-WTA ones' twins, 3 narrower widths x 2

    // Within a batch, an attack's bar carries each step as its status (the CLI prints the latest at least once a minute).
    const statuses: [string, string][] = [];
    const record: ProgressFactory = (label) => ({ update: (_done, status) => void (status !== undefined && label.startsWith('eval ') && statuses.push([label, status])), stop: () => {} });
    const r = await runStudy({ out: straight, settings, command: COMMAND, progress: record });
    readme = r.readme;
    const adaptive = statuses.filter(([label]) => label.includes(': kWTA-adaptive'));
    expect(adaptive.length).toBeGreaterThan(0);
    for (const [, status] of adaptive) expect(status).toMatch(/^examples \d+-\d+: step [1-3] of 3, \d+ of \d+ unbroken$/);
    expect(statuses.some(([label, status]) => label.includes(': AutoAttack') && /: Square query \d+ of \d+, /.test(status))).toBe(true);
    expect(Object.values(r.ledger.stages).every((s) => s.done && s.seconds > 0)).toBe(true);
    expect(readme).toContain(`**Status: ${ids.length} of ${ids.length} stages done.**`);
    for (const file of ['README.md', 'results.json', 'accuracy.svg', 'width.svg', 'versus-relu.svg']) expect(existsSync(join(straight, 'report', file))).toBe(true);
    // Every measured percentage in the main table carries a Wilson interval.
    const table = readme.slice(readme.indexOf('## Table 4'), readme.indexOf('### AutoAttack'));
    const cells = table.split('\n').filter((l) => l.startsWith('| k-WTA') || l.startsWith('| ReLU')).flatMap((l) => l.split('|').slice(3, -2));
    expect(cells.length).toBeGreaterThan(0);
    for (const c of cells.filter((c) => c.trim() !== 'not run')) expect(c.trim()).toMatch(/^\**\d+\.\d% \[\d+\.\d, \d+\.\d\]\**$/);
    // The transfer column: measured on the k-WTA rows (from their twins), 'not run' on ReLU's.
    const rows = table.split('\n').filter((l) => l.startsWith('| k-WTA') || l.startsWith('| ReLU'));
    const transferCol = table.split('\n').find((l) => l.startsWith('| model'))!.split('|').findIndex((h) => h.trim().startsWith('Transfer'));
    expect(transferCol).toBeGreaterThan(0);
    for (const row of rows) expect(row.split('|')[transferCol].trim()).toMatch(row.startsWith('| k-WTA') ? /^\d+\.\d% \[/ : /^not run$/);
    expect(readme).toMatch(/k-WTA-0\.1 \(twin, seed \+ 1\)/);
    expect(Buffer.compare(weights(straight, 'kwta-0.1-natural-h32'), weights(straight, 'kwta-0.1-natural-h32-twin'))).not.toBe(0);
    // The adaptive attack runs (and saves) in its own smaller batches.
    const strong = JSON.parse(readFileSync(join(straight, 'evals', 'relu-free-h32-strong.state.json'), 'utf8')) as EvaluationState;
    expect(strong.fingerprint.unitBatchSizes).toEqual(strong.units.map((u) => (u.name.startsWith('kWTA-adaptive') ? 4 : settings.evalBatchSize)));
    expect(readme).toContain(`evaluation state saved after every batch of ${settings.evalBatchSize} examples (k-WTA adaptive: 4)`);
    // Digits only one attack broke, recomputed from the state's per-example outcomes.
    type Cost = { seconds: number; meanForwards: number; meanGradients: number };
    const results = JSON.parse(readFileSync(join(straight, 'report', 'results.json'), 'utf8')) as { models: { model: { activation: string; method: string; hidden: number }; strong: { attackNames: Record<string, string>; onlyBrokenBy: Record<string, number>; cost: Record<string, Cost> } | null }[] };
    const reluFree = results.models.find((m) => m.model.activation === 'relu' && m.model.method === 'free' && m.model.hidden === 32)!.strong!;
    const attackUnits = strong.units.filter((u) => u.role === 'attack');
    const alone = (u: (typeof attackUnits)[number]) => strong.clean!.correct.filter((c, i) => c && u.success[i] && attackUnits.every((v) => v === u || !v.success[i])).length;
    expect(reluFree.onlyBrokenBy).toEqual(Object.fromEntries(Object.entries(reluFree.attackNames).map(([a, name]) => [a, alone(attackUnits.find((u) => u.name === name)!)])));
    expect(Object.keys(reluFree.onlyBrokenBy)).not.toContain('transfer');
    // What each attack cost: its unit's compute time, and its model calls per digit.
    const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
    const costs = reluFree.cost;
    expect(Object.keys(costs).sort()).toEqual(Object.keys(reluFree.attackNames).sort());
    for (const [a, name] of Object.entries(reluFree.attackNames)) {
      const u = attackUnits.find((v) => v.name === name)!;
      expect(costs[a]).toEqual({ seconds: u.seconds, meanForwards: sum(u.forwards) / u.done, meanGradients: sum(u.grads) / u.done });
      expect(costs[a].meanForwards + costs[a].meanGradients).toBeGreaterThan(0);
    }
    const costSection = readme.slice(readme.indexOf('### What each attack cost'), readme.indexOf('## Width sweep'));
    const costRow = costSection.split('\n').find((l) => l.startsWith('| ReLU | free AT | 32 |'))!.split('|').slice(4, -1).map((c) => c.trim());
    // The sweep's narrower models have their rows too.
    expect(costSection).toMatch(/\n\| k-WTA-0\.1 \| natural \| 16 \| /);
    expect(costRow.length).toBe(settings.strongAttacks.length);
    for (const c of costRow.filter((c) => c !== 'not run')) expect(c).toMatch(/^[\d.]+ (min|h) · [\d.]+[kM]? \+ [\d.]+[kM]?$/);
    expect(costSection).not.toContain('Not recorded');
    // k-WTA against ReLU trained the same way: each cell the difference of the two models' counts
    // (clean and PGD on the PGD set, the worst case on the strong set) with Newcombe's interval.
    type Counted = { correct: number; n: number };
    type Measured = { model: { activation: string; method: Method; hidden: number; twin?: boolean }; pgdSet: { clean: Counted; pgd: Counted }; strong: { worstCase: Counted } };
    const measured = (results as unknown as { models: Measured[] }).models;
    const versus = readme.slice(readme.indexOf('### k-WTA against ReLU trained the same way'), readme.indexOf('### AutoAttack'));
    expect(versus).toContain("k-WTA's accuracy minus ReLU's, in percentage points");
    expect(versus).toContain('![k-WTA minus ReLU](versus-relu.svg)');
    // The figure plots each difference that has both counts, a point per training method and measure.
    const svg = readFileSync(join(straight, 'report', 'versus-relu.svg'), 'utf8');
    for (const method of settings.methods) expect(svg).toContain(`>${METHOD_TITLES[method]}<`);
    for (const method of settings.methods) {
      const of = (activation: string) => measured.find((m) => m.model.activation === activation && m.model.method === method && m.model.hidden === settings.hidden && !m.model.twin)!;
      const [k, b] = [of('kwta:0.1'), of('relu')];
      const diff = (x: Counted, y: Counted) => pointsCi(x.correct, x.n, y.correct, y.n);
      const row = versus.split('\n').find((l) => l.startsWith(`| ${METHOD_TITLES[method]} | k-WTA-0.1 − ReLU |`))!.split('|').slice(3, -1).map((c) => c.trim());
      expect([row[0], row[1], row.at(-1)]).toEqual([diff(k.pgdSet.clean, b.pgdSet.clean), diff(k.pgdSet.pgd, b.pgdSet.pgd), `**${diff(k.strong.worstCase, b.strong.worstCase)}**`]);
    }
    expect(readme).toContain(`### Digits only one attack broke (of ${settings.strongExamples})`);
    expect(readme).toContain('accuracy-falls-with-eps');
    expect(readme).toContain('## Compute plan');
    expect(readme).toMatch(/timings under load/);
    expect(readme).toMatch(/So far the \d+ finished training stages took [\d.]+% of their planned time; the \d+ finished evaluations of naturally trained models [\d.]+% of their bound, the \d+ of adversarially trained ones [\d.]+%\. At those rates the rest takes about \*\*0\.0 min\*\*/);
    expect(readme).toContain(COMMAND);
  }, 300_000);

  it('killed mid-training and mid-evaluation, then resumed, gives the numbers and weights of the uninterrupted run', async () => {
    // Sitting 1: stop after three stages (budget, k-WTA natural training and its PGD evaluation).
    const first = await runStudy({ out: interrupted, settings, command: COMMAND, maxStages: 3 });
    expect(first.readme).toMatch(/\*\*Status: 3 of \d+ stages done\.\*\* Remaining: `train kwta-0\.1-natural-h16`, `eval kwta-0\.1-natural-h16 pgd`, `train kwta-0\.1-natural-h32-twin`/);
    expect(first.readme).toContain(COMMAND);
    // Sitting 2: killed inside ReLU free training (5th batch of 8; checkpoints every 3).
    const killTrain = abortAt('train mlp ReLU free', 5);
    await expect(runStudy({ out: interrupted, settings, command: COMMAND, progress: killTrain })).rejects.toThrow(/injected abort/);
    expect(killTrain.fired).toBe(true);
    const ledger = JSON.parse(readFileSync(studyPaths(interrupted).ledger, 'utf8')) as { stages: Record<string, { done: boolean; sittings: number }> };
    expect(ledger.stages['train relu-free-h32']).toMatchObject({ done: false, sittings: 1 });
    expect(existsSync(join(interrupted, 'models', 'relu-free-h32', 'checkpoint.safetensors'))).toBe(true);
    // Sitting 3: killed inside its strong evaluation, after AutoAttack's first batch (its second
    // progress report: the first says it starts).
    const killEval = abortAt('eval relu-free-h32 strong: AutoAttack', 2);
    await expect(runStudy({ out: interrupted, settings, command: COMMAND, progress: killEval })).rejects.toThrow(/injected abort/);
    expect(killEval.fired).toBe(true);
    type UnitState = { name: string; role: string; done: number; success: boolean[] };
    const state = JSON.parse(readFileSync(join(interrupted, 'evals', 'relu-free-h32-strong.state.json'), 'utf8')) as { clean: { correct: boolean[] }; units: UnitState[] };
    const aaUnit = state.units.find((u) => u.name.startsWith('AutoAttack'))!;
    expect(aaUnit.done).toBe(settings.evalBatchSize);
    // The report shows what the evaluation under way found: PGD's number, AutoAttack's accuracy on
    // the digits its first batch reached, the adaptive attack pending, and the worst case so far as
    // an upper bound that counts what AutoAttack broke there.
    const underWay = (await runStudy({ out: interrupted, settings, command: COMMAND, reportOnly: true })).readme;
    const row = underWay.split('\n').find((l) => l.startsWith('| ReLU | free AT |'))!.split('|').map((c) => c.trim());
    expect(row[4]).toMatch(/^\d+\.\d% \[/);
    const correct = state.clean.correct, batch = settings.evalBatchSize, n = settings.strongExamples;
    const aaSoFar = correct.filter((c, i) => c && i < batch && !aaUnit.success[i]).length;
    expect(row.slice(-5, -3)).toEqual([`under way: ${pctCi(aaSoFar, batch)} of the first ${batch}`, 'pending']);
    const attackUnits = state.units.filter((u) => u.role === 'attack');
    const bound = correct.filter((c, i) => c && attackUnits.every((u) => i >= u.done || !u.success[i])).length;
    expect(row[row.length - 3]).toBe(`**≤ ${pctCi(bound, n)}**`);
    // The bound counts AutoAttack's batch too: at most what the finished attacks alone leave.
    const finishedOnly = correct.filter((c, i) => c && attackUnits.every((u) => u.done < n || !u.success[i])).length;
    expect(bound).toBeLessThanOrEqual(finishedOnly);
    expect(underWay).toContain('evaluation under way');
    expect(underWay).toContain('≤: the model\'s strong evaluation is under way');
    // Sitting 4: to the end.
    const last = await runStudy({ out: interrupted, settings, command: COMMAND });
    expect(last.ledger.stages['train relu-free-h32'].sittings).toBe(2);
    expect(last.ledger.stages['eval relu-free-h32 strong'].sittings).toBe(2);
    expect(comparable(interrupted)).toEqual(comparable(straight));
    for (const id of ['relu-free-h32', 'kwta-0.1-natural-h32', 'kwta-0.1-natural-h32-twin', 'relu-natural-h16']) expect(Buffer.compare(weights(interrupted, id), weights(straight, id))).toBe(0);
  }, 300_000);

  it('restored from its report alone after its directory is lost, retrains only the models still needed and ends with the uninterrupted run\'s numbers', async () => {
    const lost = join(root, 'lost'), saved = join(root, 'saved'), restored = join(root, 'restored');
    // Killed inside k-WTA free AT's strong evaluation, after AutoAttack's first batch; the report
    // kept elsewhere (committed, say) is regenerated and carries that evaluation's state.
    const kill = abortAt('eval kwta-0.1-free-h32 strong: AutoAttack', 2);
    await expect(runStudy({ out: lost, settings, command: COMMAND, reportDir: saved, progress: kill })).rejects.toThrow(/injected abort/);
    expect(kill.fired).toBe(true);
    await runStudy({ out: lost, settings, command: COMMAND, reportDir: saved, reportOnly: true });
    expect(readdirSync(join(saved, 'state'))).toEqual(['kwta-0.1-free-h32-strong.state.json']);
    // A report outside --out survives the loss, so it names itself as the restore's source.
    expect(readFileSync(join(saved, 'README.md'), 'utf8')).toContain(`If the study's directory is lost (a new machine), \`${COMMAND} --restore ${saved}\` into an empty \`--out\` continues from this report:`);
    const underWay = readFileSync(join(saved, 'state', 'kwta-0.1-free-h32-strong.state.json'), 'utf8');
    rmSync(lost, { recursive: true });

    const seeded = restoreStudy(restored, saved, settings);
    expect(seeded.restores).toEqual([{ dir: saved, at: expect.any(String), resumed: ['eval kwta-0.1-free-h32 strong'], restarted: [], rebuilds: {} }]);
    expect(seeded.stages['eval kwta-0.1-free-h32 strong']).toMatchObject({ done: false, sittings: 1 });
    expect(readFileSync(join(restored, 'evals', 'kwta-0.1-free-h32-strong.state.json'), 'utf8')).toBe(underWay);
    expect(() => restoreStudy(restored, saved, settings)).toThrow(/already holds a study/);
    // Before it runs, the plan says which model it must retrain first (not the twin: the transfer
    // attack had finished), at the wall time its recorded training stage took.
    const recordedSeconds = (JSON.parse(readFileSync(join(saved, 'results.json'), 'utf8')) as { stages: { id: string; seconds: number }[] })
      .stages.find((st) => st.id === 'train kwta-0.1-free-h32')!.seconds;
    expect(retrainsAhead(restored, planStages(settings), seeded)).toEqual([{ id: 'kwta-0.1-free-h32', seconds: recordedSeconds }]);
    const before = (await runStudy({ out: restored, settings, command: COMMAND, reportOnly: true })).readme;
    expect(before).toMatch(/\*\*Status: \d+ of \d+ stages done\.\*\* Remaining: [^\n]*\. Before them, the restored study retrains from its seed kwta-0\.1-free-h32 \([\d.]+ min when it was first trained\)\.\n/);
    expect(before).toMatch(/: `eval kwta-0\.1-free-h32 strong` resumed from the per-example state the report carried; no model retrained yet; to retrain from their seeds before the evaluations that need them: kwta-0\.1-free-h32 \([\d.]+ min when it was first trained\)\./);
    expect(before).toMatch(/the restored study retrains from their seeds the models its evaluations still need, which the plan counts as trained: kwta-0\.1-free-h32 \([\d.]+ min when it was first trained\); about \*\*[\d.]+ min\*\* in all\./);
    const lines: string[] = [];
    const r = await runStudy({ out: restored, settings, command: COMMAND, log: (line) => lines.push(line) });
    // Only the evaluation under way and the stages after it ran. Its model was retrained first,
    // reproducing the recorded training exactly; its twin was not (the transfer attack, its only
    // use, had finished), nor was anything finished before.
    const rebuilds = r.ledger.restores![0].rebuilds;
    expect(Object.keys(rebuilds)).toEqual(['kwta-0.1-free-h32']);
    expect(Object.values(rebuilds).every((b) => b.matches && b.seconds > 0)).toBe(true);
    expect(lines.filter((l) => l.startsWith('rebuilt '))).toEqual(['rebuilt kwta-0.1-free-h32: identical to the recorded training']);
    // Each epoch was checked as it ended.
    const epochs = lines.filter((l) => l.startsWith('rebuilding kwta-0.1-free-h32: epoch '));
    expect(epochs.length).toBeGreaterThan(0);
    expect(epochs).toEqual(epochs.map((_, i) => `rebuilding kwta-0.1-free-h32: epoch ${i + 1} of ${epochs.length} identical to the recorded run`));
    expect(existsSync(join(restored, 'models', 'kwta-0.1-free-h32-twin'))).toBe(false);
    expect(existsSync(join(restored, 'models', 'kwta-0.1-natural-h32'))).toBe(false);
    expect(r.ledger.stages['eval kwta-0.1-free-h32 strong'].sittings).toBe(2);
    expect(retrainsAhead(restored, planStages(settings), r.ledger)).toEqual([]);
    expect(r.readme).not.toContain('the restored study retrains');
    expect(r.readme).not.toContain('Before them,');
    expect(comparable(restored)).toEqual(comparable(straight));
    expect(r.readme).toContain('The study\'s directory was lost once');
    expect(r.readme).toContain(`UTC, from \`${saved}\`: \`eval kwta-0.1-free-h32 strong\` resumed from the per-example state the report carried; retrained from their seeds: kwta-0.1-free-h32 (`);
    expect(r.readme).toMatch(/retrained from their seeds: kwta-0\.1-free-h32 \([\d.]+ min; identical to the recorded training[^,]*\./);
    expect(existsSync(join(restored, 'report', 'state'))).toBe(false);
    // The default report, inside --out, is lost with it: the reader is told to keep a copy.
    expect(r.readme).toContain(`This report lies inside the study's directory and is lost with it (a new machine): keep a copy of \`${join(restored, 'report')}\` elsewhere, and \`${COMMAND} --restore <the copy>\` into an empty \`--out\` continues from it:`);
    expect(r.readme).not.toContain(`--restore ${join(restored, 'report')}`);
    // Lost again: a second restore keeps the first one's record.
    const twice = restoreStudy(join(root, 'restored-twice'), join(restored, 'report'), settings);
    expect(twice.restores).toEqual([r.ledger.restores![0], { dir: join(restored, 'report'), at: expect.any(String), resumed: [], restarted: [], rebuilds: {} }]);
  }, 300_000);

  it('a report restored from results recorded before attack costs were kept says which models lack them', async () => {
    const saved = join(root, 'saved'), old = join(root, 'saved-without-costs');
    mkdirSync(old);
    const results = JSON.parse(readFileSync(join(saved, 'results.json'), 'utf8')) as { models: { strong: { cost?: unknown } | null }[] };
    for (const m of results.models) if (m.strong) delete m.strong.cost;
    writeFileSync(join(old, 'results.json'), JSON.stringify(results));
    const r = await runStudy({ out: join(root, 'r-without-costs'), settings, command: COMMAND, restoreFrom: old, reportOnly: true });
    expect(r.readme).toContain('Not recorded for k-WTA-0.1 natural (hidden 32), ReLU natural (hidden 32), k-WTA-0.1 natural (hidden 16), ReLU natural (hidden 16): their evaluations finished before the costs were kept');
    expect(r.readme).toContain('_No strong evaluation has recorded its costs yet._');
  });

  it('a restore refuses other settings, a missing report, and a retrained model that differs from the recorded one', async () => {
    const saved = join(root, 'saved');
    expect(() => restoreStudy(join(root, 'r-other'), saved, { ...settings, epochs: 5 })).toThrow(/other settings/);
    expect(() => restoreStudy(join(root, 'r-none'), join(root, 'nowhere'), settings)).toThrow(/nothing to restore from/);
    // A recorded held-out accuracy the retrained model cannot reproduce: the study stops before evaluating, and stays stopped.
    const results = JSON.parse(readFileSync(join(saved, 'results.json'), 'utf8')) as { models: { model: { method: string; activation: string; twin?: true }; train: { testAccuracy: number } | null }[] };
    results.models.find((m) => m.model.method === 'free' && m.model.activation === 'kwta:0.1' && !m.model.twin)!.train!.testAccuracy += 0.01;
    const tampered = join(root, 'tampered');
    writeFileSync(join(saved, 'results.json'), JSON.stringify(results));
    const out = join(root, 'r-tampered');
    await expect(runStudy({ out, settings, command: COMMAND, restoreFrom: saved, reportDir: tampered })).rejects.toThrow(/kwta-0\.1-free-h32 retrained from its seed differs from the recorded run/);
    await expect(runStudy({ out, settings, command: COMMAND, reportDir: tampered })).rejects.toThrow(/differs from the recorded run/);
    // A recorded epoch the retraining cannot reproduce: it stops as that epoch ends, before the
    // run finishes (no weights saved), and the ledger and the report say where it diverged.
    const history = results.models.find((m) => m.model.method === 'free' && m.model.activation === 'kwta:0.1' && !m.model.twin)!.train as unknown as { history: { loss: number }[] };
    const recordedLoss = history.history[0].loss;
    history.history[0].loss += 0.25;
    const savedEpoch = join(root, 'saved-epoch');
    cpSync(saved, savedEpoch, { recursive: true });
    writeFileSync(join(savedEpoch, 'results.json'), JSON.stringify(results));
    const outEpoch = join(root, 'r-epoch'), lines: string[] = [];
    await expect(runStudy({ out: outEpoch, settings, command: COMMAND, restoreFrom: savedEpoch, reportDir: join(root, 'epoch-report'), log: (l) => lines.push(l) }))
      .rejects.toThrow(`kwta-0.1-free-h32 retrained from its seed differs from the recorded run (at epoch 1: loss ${recordedLoss + 0.25} recorded, ${recordedLoss} retrained;`);
    expect(existsSync(join(outEpoch, 'models', 'kwta-0.1-free-h32', 'model.safetensors'))).toBe(false);
    const rebuild = (JSON.parse(readFileSync(studyPaths(outEpoch).ledger, 'utf8')) as Ledger).restores!.at(-1)!.rebuilds['kwta-0.1-free-h32'];
    expect(rebuild.seconds).toBeGreaterThan(0);
    expect(rebuild).toMatchObject({ matches: false, testAccuracy: [expect.any(Number), null], divergedAt: { epoch: 0, recorded: { loss: recordedLoss + 0.25 }, retrained: { loss: recordedLoss } } });
    expect(lines.filter((l) => l.includes('identical to the recorded run'))).toEqual([]);
    const stopped = (await runStudy({ out: outEpoch, settings, command: COMMAND, reportDir: join(root, 'epoch-report'), reportOnly: true })).readme;
    expect(stopped).toContain(`kwta-0.1-free-h32 (`);
    expect(stopped).toContain(`**differs** from the recorded training: epoch 1's loss ${recordedLoss + 0.25} recorded, ${recordedLoss} retrained (stopped there)`);
  }, 300_000);

  it('regenerates the same report from the saved state alone, and refuses a state made with other settings', async () => {
    const again = await runStudy({ out: straight, settings, command: COMMAND, reportOnly: true });
    expect(again.readme).toBe(readme);
    expect(readme).not.toContain('crosscheck-pytorch.md');
    // A hand-written cross-check note beside the report gets a link; the rest is unchanged.
    writeFileSync(join(straight, 'report', 'crosscheck-pytorch.md'), '# PGD in PyTorch\n');
    const linked = (await runStudy({ out: straight, settings, command: COMMAND, reportOnly: true })).readme;
    expect(linked).toContain('[crosscheck-pytorch.md](crosscheck-pytorch.md)');
    expect(linked.replace(/\nOutside the engine: .*\n\n/, '\n')).toBe(readme);
    rmSync(join(straight, 'report', 'crosscheck-pytorch.md'));
    writeFileSync(join(straight, 'report', 'engine-changes.md'), '# Engine changes\n');
    const logged = (await runStudy({ out: straight, settings, command: COMMAND, reportOnly: true })).readme;
    expect(logged).toContain('[engine-changes.md](engine-changes.md)');
    expect(logged.replace(/\nThe engine changed while the study ran: .*\n\n/, '\n')).toBe(readme);
    rmSync(join(straight, 'report', 'engine-changes.md'));
    await expect(runStudy({ out: straight, settings: { ...settings, epochs: 5 }, command: COMMAND })).rejects.toThrow(ValueError);
    await expect(runStudy({ out: straight, settings: { ...settings, epochs: 5 }, command: COMMAND })).rejects.toThrow(/other settings/);
  });

  it('an attack that failed says so in its cells and under the table, and the worst case that leaves it out is marked an upper bound', async () => {
    const failedOut = join(root, 'failed');
    cpSync(straight, failedOut, { recursive: true });
    // ReLU free AT's AutoAttack as if it had thrown: its per-example record gives way to the error, as the harness records one.
    const statePath = join(failedOut, 'evals', 'relu-free-h32-strong.state.json');
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as EvaluationState;
    const unit = state.units.find((u) => u.name.startsWith('AutoAttack'))!;
    unit.error = 'out of memory at batch 2';
    writeFileSync(statePath, JSON.stringify(state));
    writeFileSync(statePath.replace('.state.json', '.report.json'), JSON.stringify(reportOf(state)));
    const failedReadme = (await runStudy({ out: failedOut, settings, command: COMMAND, reportOnly: true })).readme;
    const table = failedReadme.slice(failedReadme.indexOf('## Table 4'), failedReadme.indexOf('### AutoAttack, member by member'));
    const header = table.split('\n').find((l) => l.startsWith('| model'))!.split('|').map((c) => c.trim());
    const rowOf = (t: string) => t.split('\n').find((l) => l.startsWith('| ReLU | free AT |'))!.split('|').map((c) => c.trim());
    const row = rowOf(table), before = rowOf(readme.slice(readme.indexOf('## Table 4')));
    expect(row[header.findIndex((h) => h.startsWith('AutoAttack'))]).toBe('**failed**');
    expect(row[header.findIndex((h) => h.startsWith('PGD-'))]).toBe(before[header.findIndex((h) => h.startsWith('PGD-'))]);
    // Without AutoAttack's breaks the worst case can only rise, and it says it is an upper bound.
    const worst = header.findIndex((h) => h.startsWith('**worst case**'));
    expect(row[worst]).toMatch(/^\*\*≤ \d+\.\d% \[/);
    expect(parseFloat(row[worst].slice(4))).toBeGreaterThanOrEqual(parseFloat(before[worst].slice(2)));
    expect(table).toContain('**Attacks that failed**');
    expect(table).toContain('- ReLU free AT (hidden 32): AutoAttack failed: out of memory at batch 2');
    expect(table).toMatch(/- ReLU \(free AT, hidden 32\): .*AutoAttack \*\*failed\*\*.*; per-example worst case at most \d+\.\d% \[/);
    expect(table).not.toContain('≤: the model\'s strong evaluation is under way');
    const costSection = failedReadme.slice(failedReadme.indexOf('### What each attack cost'), failedReadme.indexOf('## Width sweep'));
    const costHeader = costSection.split('\n').find((l) => l.startsWith('| model'))!.split('|').map((c) => c.trim());
    expect(rowOf(costSection)[costHeader.findIndex((h) => h.startsWith('AutoAttack'))]).toBe('failed');
    // The bar chart draws no worst-case bar for it (an upper bound), and still draws the others'.
    const worstBars = (dir: string) => readFileSync(join(dir, 'report', 'accuracy.svg'), 'utf8').match(/aria-label="accuracy[^"]*; measure: worst case"/g)?.length ?? 0;
    expect(worstBars(straight)).toBeGreaterThan(1);
    expect(worstBars(failedOut)).toBe(worstBars(straight) - 1);
    // What has no bar says why, so it does not read as 0%: ReLU's rows have no transfer attack, and the failed attack and its worst case say so.
    const labels = (dir: string, text: string) => readFileSync(join(dir, 'report', 'accuracy.svg'), 'utf8').split(`>${text}</text>`).length - 1;
    expect(labels(straight, 'not run')).toBe(2);
    expect([labels(straight, 'failed'), labels(failedOut, 'failed')]).toEqual([0, 1]);
    expect([labels(straight, 'an upper bound only: an attack failed'), labels(failedOut, 'an upper bound only: an attack failed')]).toEqual([0, 1]);
    // Only the model whose attack failed changed: the untouched report says nothing of failures.
    expect(readme).not.toContain('failed');
  });
});

describe("the main job's shape: one held-out set, no budget stage", () => {
  it('prints the shared PGD once and plans no compute (no budget stage, no plan section)', async () => {
    const out = join(root, 'main-shape');
    const main = tinySettings({ preset: 'tiny-main', methods: ['natural'], widths: [], transferTwins: [], pgdExamples: 12, strongAttacks: ['pgd', 'autoattack'], budgetSteps: 0 });
    const r = await runStudy({ out, settings: main, command: 'kwta paper-scale --preset tiny-main' });
    expect(Object.keys(r.ledger.stages)).toEqual(['train kwta-0.1-natural-h32', 'eval kwta-0.1-natural-h32 strong', 'train relu-natural-h32', 'eval relu-natural-h32 strong']);
    const header = r.readme.split('\n').find((l) => l.startsWith('| model'))!.split('|').slice(1, -1).map((h) => h.trim());
    expect(header).toEqual(['model', 'training', 'clean (12)', 'PGD-3 (12)', 'AutoAttack (12)', '**worst case** (12)', 'paper: clean / PGD']);
    expect(r.readme).toContain('## Stages and wall time');
    expect(r.readme).not.toContain('## Compute plan');
    expect(r.readme).not.toContain('budget stage');
  });
});

describe('the Fashion-MNIST preset', () => {
  it('plans the same eight models and twins as the MNIST study, without its width sweep, on all 60,000 images at eps 0.1', () => {
    const sweepWidths = /-h(256|1024|4096)(-|\b)/;
    expect(planStages(FASHION_SETTINGS).map((s) => s.id)).toEqual(planStages(FULL_SETTINGS).map((s) => s.id).filter((id) => !sweepWidths.test(id)));
    expect(trainSize(FASHION_SETTINGS)).toBe(60000);
    expect(trainSize(FULL_SETTINGS)).toBe(8000);
    expect(FASHION_SETTINGS.eps).toBe(0.1);
    expect(FASHION_SETTINGS.budget.stepSize).toBeCloseTo(0.01, 12);
    expect(FASHION_SETTINGS.budget.adaptiveBudget).toBe(FULL_SETTINGS.budget.adaptiveBudget);
  });

  it('runs end to end on the real Fashion-MNIST files, and its report names its images, data and radius (no paper column: the paper has none)', async () => {
    const out = join(root, 'fashion');
    const fashion = tinySettings({ preset: 'tiny-fashion', dataset: 'fashion-mnist', eps: 0.1, budget: { ...settings.budget, stepSize: 0.01 }, methods: ['natural'], widths: [], transferTwins: [] });
    const r = await runStudy({ out, settings: fashion, command: 'kwta paper-scale --preset tiny-fashion' });
    expect(Object.values(r.ledger.stages).every((s) => s.done)).toBe(true);
    const readme = r.readme;
    expect(readme).toMatch(/^# The paper's MNIST experiment on Fashion-MNIST, at scale \(hidden 32\)/);
    expect(readme).toContain("## Table 4's models on Fashion-MNIST at hidden width 32");
    expect(readme).toContain('- **Training data**: the first 256 of the 60,000 Fashion-MNIST training images');
    expect(readme).toMatch(/; per-example worst case \d+\.\d% \[\d+\.\d, \d+\.\d\] of 12 images\.$/m);
    expect(readme).toContain('### Images only one attack broke (of 12)');
    expect(readme).toContain('- L-inf eps 0.1;');
    expect(readme).not.toContain('digit');
    expect(readme).not.toContain('paper: clean / PGD');
    expect(readme).not.toContain('**Fashion-MNIST** is a study of its own');
    const header = readme.split('\n').find((l) => l.startsWith('| model'))!;
    expect(header.split('|').at(-2)!.trim()).toBe('**worst case** (12)');
    // The models were trained on Fashion-MNIST (their run records it), and the report's settings say so.
    for (const id of ['kwta-0.1-natural-h32', 'relu-natural-h32']) expect(JSON.parse(readFileSync(join(out, 'models', id, 'config.json'), 'utf8'))).toMatchObject({ dataset: 'fashion-mnist', trainLimit: 256 });
    const results = JSON.parse(readFileSync(join(out, 'report', 'results.json'), 'utf8')) as { settings: { dataset: string } };
    expect(results.settings.dataset).toBe('fashion-mnist');
    // The MNIST report says where Fashion-MNIST would be run.
    expect(deviations(FULL_SETTINGS).join('\n')).toContain('**Fashion-MNIST** is a study of its own (`--preset fashion`');
  });
});

describe('the compute projection', () => {
  const plan = [
    { id: 'train a', seconds: 100, adversarial: false }, { id: 'train b', seconds: 400, adversarial: true },
    { id: 'eval a strong', seconds: 1000, adversarial: false }, { id: 'eval c strong', seconds: 3000, adversarial: false },
    { id: 'eval b strong', seconds: 1000, adversarial: true }, { id: 'eval d strong', seconds: 2000, adversarial: true },
  ];
  const ledger = (done: Record<string, number>): Ledger => ({
    format: 'kwta-paper-scale-ledger-1', settings: {},
    stages: Object.fromEntries(Object.entries(done).map(([id, seconds]) => [id, { done: true, seconds, sittings: 1 }])),
  });

  it('scales each group\'s rest by its own finished stages: training, natural and adversarial evaluations', () => {
    // Training took half its plan (400 s left -> 200 s); natural evaluations 2% (3000 -> 60 s); adversarial 10% (2000 -> 200 s).
    const text = projection(plan, ledger({ 'train a': 50, 'eval a strong': 20, 'eval b strong': 100 })).join('\n');
    expect(text).toContain('the 1 finished training stages took 50.0% of their planned time; the 1 finished evaluations of naturally trained models 2.0% of their bound, the 1 of adversarially trained ones 10.0%.');
    expect(text).toContain('the rest takes about **7.7 min** (training 3.3 min, evaluation 4.3 min)');
  });

  it('before an adversarially trained model is evaluated, says their rest is projected at the natural pace', () => {
    const text = projection(plan, ledger({ 'train a': 50, 'eval a strong': 20 })).join('\n');
    expect(text).toContain('no adversarially trained model is evaluated yet');
    // 3000 + 1000 + 2000 s at 2% = 120 s, training 200 s.
    expect(text).toContain('about **5.3 min** (training 3.3 min, evaluation 2.0 min)');
  });

  it('adds the models a restored study must retrain first, at their recorded training time', () => {
    const text = projection(plan, ledger({ 'train a': 50, 'eval a strong': 20, 'eval b strong': 100 }), [{ id: 'b', seconds: 600 }]).join('\n');
    // 7.7 min as above, plus 10 min of retraining.
    expect(text).toContain('the rest takes about **7.7 min**');
    expect(text).toContain('which the plan counts as trained: b (10.0 min when it was first trained); about **17.7 min** in all.');
  });

  it('says nothing before a training stage and a natural evaluation have finished', () => {
    expect(projection(plan, ledger({ 'train a': 50 }))).toEqual([]);
  });
});

describe('the report\'s model size', () => {
  it('mnistCnnBytes is the MNIST CNN\'s float32 parameter bytes at any hidden width (252 MB at the paper\'s 20000)', () => {
    for (const hiddenSize of [16, 300]) {
      const model = mnistCnn({ activation: reluFactory, hiddenSize, gen: new Generator(0) });
      expect(mnistCnnBytes(hiddenSize)).toBe(4 * model.numParameters());
      model.dispose();
    }
    expect(Math.round(mnistCnnBytes(20000) / 1e6)).toBe(252);
  });
});

describe("whether the report lies inside the study's directory", () => {
  it('liesWithin counts the directory itself and anything under it, including a folder whose name starts with two dots', () => {
    expect(liesWithin('/s/out', '/s/out')).toBe(true);
    expect(liesWithin('/s/out', '/s/out/report')).toBe(true);
    expect(liesWithin('/s/out', '/s/out/..x')).toBe(true);
    expect(liesWithin('/s/out', '/s/out/..x/report')).toBe(true);
    expect(liesWithin('/s/out', '/s')).toBe(false);
    expect(liesWithin('/s/out', '/s/out-copy')).toBe(false);
    expect(liesWithin('/s/out', '/s/docs/report')).toBe(false);
    expect(liesWithin('out', 'out/../docs')).toBe(false);
  });
});
