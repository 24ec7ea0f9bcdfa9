import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = join(__dirname, '..', 'dist', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'kwta-cli-paper-scale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run `kwta paper-scale --preset tiny`; SIGKILL it as soon as stderr shows `killOn`. */
function study(out: string, killOn?: RegExp): Promise<{ killed: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'paper-scale', '--preset', 'tiny', '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '', killed = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (killOn && !killed && killOn.test(stderr)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 || (killed && signal === 'SIGKILL') ? resolve({ killed, stderr }) : reject(new Error(`exit ${code ?? signal}:\n${stderr}`))));
  });
}

/** The per-model numbers of results.json, every `seconds` (a wall time, which differs between sittings) zeroed. */
function numbers(out: string): unknown {
  return (JSON.parse(readFileSync(join(out, 'report', 'results.json'), 'utf8'), (key, value: unknown) => (key === 'seconds' ? 0 : value)) as { models: unknown[] }).models;
}

describe('kwta paper-scale', () => {
  it('SIGKILLed mid-training and mid-evaluation, rerun with the same command, ends with the uninterrupted run\'s numbers', async () => {
    const straight = join(dir, 'straight'), killed = join(dir, 'killed');
    const log = (await study(straight)).stderr;
    // A batch of AutoAttack says as each member finishes how far it has got (a line each, on a pipe).
    for (const [k, member] of ['APGD-CE', 'APGD-T', 'FAB-T', 'Square'].entries()) {
      expect(log).toMatch(new RegExp(`^eval relu-natural-h32 strong: AutoAttack\\(.*\\) 6/12 examples 7-12: ${member} \\(${k + 1} of 4\\) leaves \\d of 6 unbroken, \\d+ s$`, 'm'));
    }
    // Killed while ReLU natural trains (the line of its progress), then while its strong evaluation
    // attacks, after AutoAttack's first batch (its line at 0 says it starts).
    expect((await study(killed, /train mlp ReLU natural \d+\/\d+/)).killed).toBe(true);
    expect((await study(killed, /eval relu-natural-h32 strong: AutoAttack.* [1-9]\d*\/\d+/)).killed).toBe(true);
    const last = await study(killed);
    expect(last.stderr).toMatch(/sitting 2, resuming/);
    expect(numbers(killed)).toEqual(numbers(straight));
    const readme = readFileSync(join(killed, 'report', 'README.md'), 'utf8');
    expect(readme).toMatch(/\*\*Status: (\d+) of \1 stages done\.\*\*/);
  }, 180_000);

  it('--restore seeds an empty --out from a report directory alone, and refuses one that holds a study', () => {
    const restored = join(dir, 'restored');
    const args = [BIN, 'paper-scale', '--preset', 'tiny', '--out', restored, '--restore', join(dir, 'straight', 'report'), '--report-only', '--quiet'];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(numbers(restored)).toEqual(numbers(join(dir, 'straight')));
    expect(readFileSync(join(restored, 'report', 'README.md'), 'utf8')).toContain('The study\'s directory was lost once');
    const again = spawnSync(process.execPath, args, { encoding: 'utf8' });
    expect(again.status).not.toBe(0);
    expect(again.stderr).toContain('already holds a study');
  });

  it('kwta reproduce takes the --restore its report prints, and refuses a report of other settings', () => {
    const out = join(dir, 'reproduce-restored');
    const missing = spawnSync(process.execPath, [BIN, 'reproduce', '--out', out, '--restore', join(dir, 'no-report'), '--quiet'], { encoding: 'utf8' });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain(`nothing to restore from: ${join(dir, 'no-report', 'results.json')} does not exist`);
    // The tiny study's report (from the first test) is not the main job's: refused before any work.
    const other = spawnSync(process.execPath, [BIN, 'reproduce', '--out', out, '--restore', join(dir, 'straight', 'report'), '--quiet'], { encoding: 'utf8' });
    expect(other.status).not.toBe(0);
    expect(other.stderr).toContain('was written for other settings');
  });

  it('refuses an unknown preset', () => {
    const bad = spawnSync(process.execPath, [BIN, 'paper-scale', '--preset', 'huge', '--out', join(dir, 'x')], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--preset must be one of full, fashion, main, tiny, got 'huge'");
  });
});
