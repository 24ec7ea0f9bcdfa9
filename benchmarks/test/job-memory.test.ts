import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobMemory } from '../src/memory/job-settings.js';

const out = mkdtempSync(path.join(tmpdir(), 'kwta-job-memory-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the main job memory script (smoke test on a tiny setting)', () => {
  it('runs the job with the settings given and records peak RSS against tensors and datasets', () => {
    const script = path.join(__dirname, '..', 'dist', 'memory', 'main-job.js');
    const printed = execFileSync(process.execPath, [script, '--hidden', '16', '--epochs', '1', '--train-limit', '100', '--examples', '5', '--backend', 'js', '--out', out], { encoding: 'utf8' });
    expect(printed).toMatch(/peak RSS \/ \(tensors \+ datasets\) = \d+\.\d\d \(goal: at most 2\)/);
    const m = JSON.parse(readFileSync(path.join(out, 'main-job-memory.json'), 'utf8')) as JobMemory & { ratio: number };
    expect(m.settings).toMatchObject({ hidden: 16, epochs: 1, trainLimit: 100, examples: 5 });
    expect(m.study).toEqual({ hidden: 16, epochs: 1, trainLimit: 100, pgdExamples: 5, strongExamples: 5 });
    expect(printed).toContain('(hidden 16, 1 epochs on 100 digits, attacks on 5)');
    expect(m.backend).toBe('cpu');
    expect(m.peakTensorBytes).toBeGreaterThan(0);
    expect(m.datasetBytes).toBe((100 + 2000) * (784 * 4 + 4));
    expect(m.peakRssBytes).toBeGreaterThan(m.peakTensorBytes);
    expect(m.ratio).toBeCloseTo(m.peakRssBytes / (m.peakTensorBytes + m.datasetBytes), 6);
  }, 120_000);
});
