import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// The real binary, as a user runs it (built by `pnpm build`; turbo builds it before tests).
const BIN = join(__dirname, '..', 'dist', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'kwta-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const kwta = (...args: string[]) => execFileSync(process.execPath, [BIN, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
/**
 * The same, without blocking this worker: a run of a minute on a loaded machine would otherwise
 * starve the test runner's messages ("Timeout calling onTaskUpdate" after 60 s).
 */
const kwtaAsync = async (...args: string[]) => (await promisify(execFile)(process.execPath, [BIN, ...args], { encoding: 'utf8' })).stdout;

describe('kwta binary', () => {
  it('trains, attacks and reports (tiny setting)', () => {
    const run = join(dir, 'run');
    const cfg = join(dir, 'train.json');
    writeFileSync(cfg, JSON.stringify({ model: 'mlp', activation: 'kwta:0.2', hidden: 64, 'train-limit': 1000, epochs: 3, lr: 0.003 }));
    const trained = JSON.parse(kwta('train', '--config', cfg, '--out', run, '--json'));
    expect(trained.label).toBe('mlp k-WTA-0.2 natural');
    expect(trained.testAccuracy).toBeGreaterThan(0.3);
    for (const f of ['config.json', 'model.safetensors', 'checkpoint.safetensors', 'train.json']) expect(existsSync(join(run, f))).toBe(true);

    const table = kwta('eval', '--run', run, '--attacks', 'pgd,fgsm,square', '--queries', '30', '--examples', '20', '--quiet');
    expect(table).toMatch(/^accuracy\s+mlp k-WTA-0.2 natural\n/);
    for (const row of [/\nclean\s+\d/, /\nPGD\(linf, eps=0.3, 20x1, ce\)\s+\d/, /\nFGSM/, /\nSquare\(linf, eps=0.3, 30 queries\)/, /\nworst case/]) expect(table).toMatch(row);
    const evaluation = JSON.parse(readFileSync(join(run, 'eval.json'), 'utf8'));
    expect(evaluation.report.examples).toBe(20);
    expect(evaluation.report.robustAccuracy).toBeLessThanOrEqual(Math.min(...evaluation.report.attacks.map((a: { accuracy: number }) => a.accuracy)));

    const report = kwta('report', run, '--out', join(dir, 'report'));
    expect(report).toContain('worst case over all attacks');
    expect(readFileSync(join(dir, 'report', 'accuracy.svg'), 'utf8').startsWith('<svg')).toBe(true);
  }, 120_000);

  it('refuses bad options and config keys with exit status 2 and a clear message', () => {
    const bad = spawnSync(process.execPath, [BIN, 'train', '--activation', 'kwta:2', '--out', join(dir, 'x')], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("kwta: activation 'kwta:2': gamma must be in (0, 1]");
    const cfg = join(dir, 'typo.json');
    writeFileSync(cfg, JSON.stringify({ epoch: 3 }));
    const typo = spawnSync(process.execPath, [BIN, 'train', '--config', cfg], { encoding: 'utf8' });
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain("unknown option 'epoch' for 'kwta train'");
    const missing = spawnSync(process.execPath, [BIN, 'eval', '--run', join(dir, 'nope')], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/has no config.json/);
    const choice = spawnSync(process.execPath, [BIN, 'train', '--method', 'pgd'], { encoding: 'utf8' });
    expect(choice.status).not.toBe(0);
    expect(choice.stderr).toMatch(/Allowed choices are natural, at, trades, free/);
  });

  it('runs a paper experiment into its folder, and refuses an unknown one', async () => {
    const out = join(dir, 'experiments');
    const printed = await kwtaAsync('experiment', 'figure1', '--out', out, '--quiet');
    expect(printed.trim()).toBe(join(out, 'figure1', 'README.md'));
    const result = JSON.parse(readFileSync(join(out, 'figure1', 'result.json'), 'utf8'));
    expect(JSON.stringify(result)).toContain('discontinuities');
    expect(readFileSync(join(out, 'figure1', 'figure1.svg'), 'utf8').startsWith('<svg')).toBe(true);
    const bad = spawnSync(process.execPath, [BIN, 'experiment', 'table9'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("unknown experiment 'table9'");
    // The whole figure1 experiment runs in a child process: 104-110 s in fresh-clone CI runs beside
    // the paper-scale study (and once past 120 s), so the limit leaves room for a loaded machine.
  }, 300_000);
});
