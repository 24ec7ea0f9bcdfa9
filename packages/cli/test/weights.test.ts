import { spawnSync, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ATTACK_NAMES } from '@kwta/attacks';
import { loadSafetensors } from '@kwta/nn/node';
import { writeTorchFixtures } from '../../nn/test/torch-fixtures.js';

// The real binary (built before tests) on a checkpoint PyTorch writes at test time.
const BIN = join(__dirname, '..', 'dist', 'main.js');
const fixtures = await writeTorchFixtures(join(__dirname, 'fixtures', 'mnist_cnn_checkpoint.py'));
afterAll(fixtures.cleanup);
const file = (n: string) => join(fixtures.dir, n);
const kwta = (...args: string[]) => execFileSync(process.execPath, [BIN, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const fail = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

describe('kwta convert and kwta eval --weights on a PyTorch checkpoint', () => {
  it('converts a wrapped DataParallel checkpoint to safetensors with PyTorch\'s values', () => {
    const out = file('mnist-cnn.safetensors');
    const summary = JSON.parse(kwta('convert', file('mnist-cnn.pth'), out, '--json'));
    expect(summary).toMatchObject({ format: 'zip', tensors: 12, conversions: {} });
    expect(summary.notes).toEqual([
      "state dict read from the wrapper key 'state_dict'",
      'optimizer state ignored (optimizer): evaluation needs only the weights',
      'other entries ignored: epoch (int 1)',
      "removed the prefix 'module.' from all 12 names",
    ]);
    const want = JSON.parse(readFileSync(file('mnist-cnn.json'), 'utf8')) as Record<string, number[]>;
    const { tensors, metadata } = loadSafetensors(out);
    expect(metadata).toEqual({ source: 'mnist-cnn.pth', converted_by: 'kwta convert' });
    expect([...tensors.keys()]).toEqual(Object.keys(want));
    for (const [k, t] of tensors) expect(Array.from(t.dataSync())).toEqual(want[k]);
  });

  it('evaluates the .pth and its safetensors conversion identically', () => {
    const common = ['--model', 'mnist-cnn', '--activation', 'relu', '--hidden', '64', '--dataset', 'mnist', '--attacks', 'fgsm', '--examples', '20', '--no-checks', '--quiet', '--json'];
    const fromPth = JSON.parse(kwta('eval', '--weights', file('mnist-cnn.pth'), ...common));
    const fromSafetensors = JSON.parse(kwta('eval', '--weights', file('mnist-cnn.safetensors'), ...common));
    expect(fromPth.label).toBe('mnist-cnn ReLU weights mnist-cnn.pth');
    expect(fromPth.report.examples).toBe(20);
    expect(fromPth.report.cleanAccuracy).toBe(fromSafetensors.report.cleanAccuracy);
    expect(fromPth.report.attacks.map((a: { accuracy: number }) => a.accuracy)).toEqual(fromSafetensors.report.attacks.map((a: { accuracy: number }) => a.accuracy));
    expect(JSON.parse(readFileSync(`${file('mnist-cnn.pth')}.eval.json`, 'utf8')).config.weights).toBe(file('mnist-cnn.pth'));
  }, 120_000);

  it('evaluates the .pth with every registered attack, AutoAttack included (transfer takes a run directory: it is in the run tests)', () => {
    const names = ATTACK_NAMES.filter((n) => n !== 'transfer');
    const common = ['--model', 'mnist-cnn', '--activation', 'relu', '--hidden', '64', '--dataset', 'mnist', '--examples', '4', '--no-checks', '--quiet', '--json'];
    const budgets = ['--steps', '3', '--iterations', '3', '--queries', '10', '--eot-steps', '2', '--eot-samples', '2,2,1', '--budget', '0.001'];
    const r = JSON.parse(kwta('eval', '--weights', file('mnist-cnn.pth'), ...common, ...budgets, '--attacks', names.join(','), '--out', file('all.eval.json')));
    expect(r.report.failures).toEqual([]);
    expect(r.report.attacks).toHaveLength(names.length);
    const aa = r.report.attacks.find((a: { name: string }) => a.name.startsWith('AutoAttack'));
    expect(aa.log).toHaveLength(4);
    expect(aa.finalCheck.passed).toBe(true);
    for (const a of r.report.attacks) expect(a.accuracy).toBeLessThanOrEqual(r.report.cleanAccuracy);
  }, 240_000);

  it('refuses a hostile checkpoint, a wrong model and missing options with exit status 2', () => {
    const hostile = fail('convert', file('hostile.pth'), file('x.safetensors'));
    expect(hostile.status).toBe(2);
    expect(hostile.stderr).toContain("global 'posix.system' is not on the allowlist of what a state dict needs; nothing was executed");
    const wrong = fail('eval', '--weights', file('mnist-cnn.pth'), '--model', 'mnist-cnn', '--activation', 'relu', '--dataset', 'mnist', '--quiet');
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/tensor 'cnn.9.weight' has shape \[64, 3136\] in the file but \[20000, 3136\] in MnistCnn/);
    const missing = fail('eval', '--weights', file('mnist-cnn.pth'), '--model', 'mnist-cnn');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--weights needs --activation');
    const repo = fail('eval', '--weights', file('mnist-cnn.pth'), '--model', 'sp-resnet18', '--activation', 'relu', '--dataset', 'mnist');
    expect(repo.status).toBe(2);
    expect(repo.stderr).toContain('--model sp-resnet18 is a k-WTA model of the kWTA repository');
  }, 60_000);
});
