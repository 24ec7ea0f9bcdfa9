import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The real binary on a small trained run: what a user running AutoAttack, targeted or sharded evaluations sees.
const BIN = join(__dirname, '..', 'dist', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'kwta-eval-'));
const run = join(dir, 'run');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Run the binary without blocking the test worker: a synchronous call of a minute on a loaded
 * machine times out vitest's messages to the worker.
 */
function invoke(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
const kwta = async (...args: string[]): Promise<string> => {
  const r = await invoke(args);
  if (r.status !== 0) throw new Error(`kwta ${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
  return r.stdout;
};
const fail = (...args: string[]) => invoke(args);
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
/** A report without its timings (the only thing allowed to differ between equivalent runs). */
const untimed = (report: { attacks: { seconds: number; log?: { seconds: number }[] }[] }) => ({
  ...report,
  attacks: report.attacks.map((a) => ({ ...a, seconds: 0, log: a.log?.map((l) => ({ ...l, seconds: 0 })) })),
});

beforeAll(async () => {
  await kwta('train', '--model', 'mlp', '--activation', 'kwta:0.2', '--hidden', '64', '--train-limit', '1000', '--epochs', '2', '--lr', '0.003', '--out', run, '--quiet');
}, 120_000);

describe('kwta eval: AutoAttack, targets, shards, resume', () => {
  it('lists every registered attack, and runs AutoAttack with its log, final check and sanity checks', async () => {
    const listed = await kwta('attacks');
    for (const name of ['autoattack', 'apgd-ce', 'apgd-dlr', 'apgd-t', 'fab-t', 'square', 'kwta-adaptive', 'transfer:<runDir>']) expect(listed).toContain(name);
    const table = await kwta('eval', '--run', run, '--attacks', 'autoattack,kwta-adaptive', '--iterations', '4', '--queries', '20', '--budget', '0.002', '--examples', '12', '--sanity', '--no-checks', '--quiet');
    for (const row of [/\nAutoAttack\(standard, linf, eps=0.3, 4 steps, 20 queries\)\s+\d/, /\n {2}after APGD-CE\(linf, eps=0.3, 4x1\)\s+\d/, /\n {2}after FAB-T/, /\n {2}after Square/, /\nkWTA-adaptive\(linf, eps=0.3, 4 steps, budget 0.002\)/]) expect(table).toMatch(row);
    expect(table).toMatch(/final check of AutoAttack.*largest linf perturbation 0\.\d+ \(eps 0.3\)/);
    expect(table).toMatch(/kWTA-adaptive\(linf, eps=0.3, 4 steps, budget 0.002\): \d[\d.,]* \/ 0\.0/);
    // --no-checks turns every check off, --sanity's included.
    expect(table).not.toMatch(/deterministic-outputs/);
    const withChecks = json(join(run, 'eval.json'));
    expect(withChecks.report.attacks[0].log.map((l: { attack: string }) => l.attack)).toEqual([
      'APGD-CE(linf, eps=0.3, 4x1)', 'APGD-T(linf, eps=0.3, 4x1, 9 targets)', 'FAB-T(linf, eps=0.3, 4x1, 9 targets)', 'Square(linf, eps=0.3, 20 queries)',
    ]);
    // kwta-adaptive at this budget: 1 noise sample a step, so an example never broken spends 4 x (1 + 2) + 3 forwards (clean, last iterate, final).
    expect(withChecks.report.attacks[1].meanForwards).toBeGreaterThan(2);
    expect(withChecks.report.attacks[1].meanForwards).toBeLessThanOrEqual(15);
    const sane = await kwta('eval', '--run', run, '--attacks', 'apgd-ce', '--iterations', '3', '--examples', '6', '--sanity', '--quiet');
    for (const check of ['deterministic-outputs', 'logits-not-probabilities', 'nonzero-gradients']) expect(sane).toMatch(new RegExp(`(ok  |FLAG) mlp k-WTA-0.2 natural: ${check}`));
    // The transfer attack crafts on another run (here the run itself); unknown names and norms are refused.
    expect(await kwta('eval', '--run', run, '--attacks', `transfer:${run}`, '--steps', '3', '--examples', '4', '--no-checks', '--quiet')).toContain(`Transfer(PGD from ${run})`);
    const unknown = await fail('eval', '--run', run, '--attacks', 'apgd', '--quiet');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown attack 'apgd' \(expected fgsm, pgd, .*autoattack, kwta-adaptive; kwta attacks lists them\)/);
    const norm = await fail('eval', '--run', run, '--attacks', 'square', '--norm', 'l1', '--quiet');
    expect(norm.status).toBe(2);
    expect(norm.stderr).toMatch(/attack 'square' supports --norm linf, l2, not l1/);
    // L2 and L1 threat models, and a version.
    expect(await kwta('eval', '--run', run, '--attacks', 'apgd-dlr,fab', '--norm', 'l2', '--eps', '1', '--iterations', '3', '--examples', '4', '--no-checks', '--quiet')).toMatch(/APGD-DLR\(l2, eps=1, 3x1\)/);
    expect(await kwta('eval', '--run', run, '--attacks', 'autoattack', '--version', 'rand', '--norm', 'l1', '--eps', '5', '--iterations', '2', '--examples', '4', '--no-checks', '--quiet')).toMatch(/AutoAttack\(rand, l1, eps=5, 2 steps\)/);
  }, 240_000);

  it('a targeted evaluation reports every attack per target choice with the share sent to the target', async () => {
    const table = await kwta('eval', '--run', run, '--attacks', 'pgd,apgd-ce', '--iterations', '5', '--steps', '5', '--targets', 'random,least-likely,top-2', '--examples', '10', '--no-checks', '--quiet');
    for (const target of ['random', 'least-likely', 'rank-1', 'rank-2']) {
      expect(table).toMatch(new RegExp(`\\nPGD\\(linf, eps=0.3, 5x1, ce\\) @${target}\\s+\\d+\\.\\d% \\(to target \\d+\\.\\d%\\)`));
      expect(table).toMatch(new RegExp(`\\nAPGD-CE\\(linf, eps=0.3, 5x1\\) @${target}\\s`));
    }
    const report = json(join(run, 'eval.json')).report;
    expect(report.attacks).toHaveLength(8);
    for (const a of report.attacks) expect(a.targetRate).toBeGreaterThanOrEqual(0);
  }, 120_000);

  it('3 shards merged by kwta report give the report of one run; shard files and a half-given set are checked', async () => {
    const args = ['--run', run, '--attacks', 'fgsm,square,eot', '--queries', '25', '--eot-steps', '3', '--eot-samples', '4,8,2', '--examples', '11', '--batch-size', '2', '--quiet'];
    await kwta('eval', ...args, '--out', join(dir, 'whole.json'));
    for (const i of [0, 1, 2]) expect(await kwta('eval', ...args, '--shard', `${i}/3`)).toContain(`shard ${i}/3 of 11 examples done -> ${join(run, `eval.shard-${i}-of-3.json`)}`);
    const shards = [0, 1, 2].map((i) => join(run, `eval.shard-${i}-of-3.json`));
    // Shards keep their state inside the shard file; no state file is left behind.
    expect(readdirSync(run).filter((f) => f.includes('state'))).toEqual([]);
    await kwta('report', ...shards.reverse(), '--out', join(dir, 'merged'));
    await kwta('report', join(dir, 'whole.json'), '--out', join(dir, 'single'));
    const merged = json(join(dir, 'merged', 'report.json'));
    const single = json(join(dir, 'single', 'report.json'));
    expect(untimed(merged[0].report)).toEqual(untimed(single[0].report));
    expect(readFileSync(join(dir, 'merged', 'report.md'), 'utf8')).toContain('worst case over all attacks');
    const partial = await fail('report', shards[0], shards[1], '--out', join(dir, 'x'));
    expect(partial.status).toBe(2);
    expect(partial.stderr).toMatch(/2 of 3 shards given/);
    const badShard = await fail('eval', '--run', run, '--shard', '3/3', '--quiet');
    expect(badShard.status).toBe(2);
    expect(badShard.stderr).toMatch(/shard index must be an integer in \[0, 3\)/);
    const notShard = await fail('eval', '--run', run, '--shard', 'half', '--quiet');
    expect(notShard.status).toBe(2);
    expect(notShard.stderr).toMatch(/--shard: parseShard: expected 'i\/n'/);
  }, 240_000);

  it('a killed evaluation resumes from its state file to the same report; another evaluation is refused until --fresh', async () => {
    const args = ['--run', run, '--attacks', 'square,pgd', '--queries', '150', '--examples', '12', '--batch-size', '1', '--no-checks', '--quiet'];
    await kwta('eval', ...args, '--out', join(dir, 'uninterrupted.json'));
    const out = join(dir, 'killed.json'), state = join(dir, 'killed.state.json');
    const child = spawn(process.execPath, [BIN, 'eval', ...args, '--out', out], { stdio: 'ignore' });
    // Kill it once a few batches are in the state file.
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        try {
          const s = existsSync(state) ? json(state) : null;
          if (s && s.units[0].done >= 3) {
            clearInterval(poll);
            child.kill('SIGKILL');
            resolve();
          }
        } catch {
          // The state is being renamed into place: read it again next time.
        }
      }, 20);
      child.on('exit', () => {
        clearInterval(poll);
        if (!existsSync(out)) resolve();
        else reject(new Error('the evaluation finished before it could be killed'));
      });
    });
    await new Promise((r) => child.on('close', r));
    expect(existsSync(out)).toBe(false);
    const done = json(state).units[0].done;
    expect(done).toBeGreaterThanOrEqual(3);
    expect(done).toBeLessThan(12);
    const other = await fail('eval', ...args, '--attacks', 'fgsm', '--out', out);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/killed\.state\.json holds another evaluation .* delete it or pass --fresh to start over/);
    await kwta('eval', ...args, '--out', out);
    expect(existsSync(state)).toBe(false);
    expect(untimed(json(out).report)).toEqual(untimed(json(join(dir, 'uninterrupted.json')).report));
    await kwta('eval', ...args, '--attacks', 'fgsm', '--out', out, '--fresh');
    expect(json(out).report.attacks.map((a: { name: string }) => a.name)).toEqual(['FGSM(linf, eps=0.3)']);
  }, 240_000);
});
