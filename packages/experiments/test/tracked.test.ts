import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValueError } from '@kwta/core';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../src/node.js';
import { trackedFiles } from '../src/jobs/tracked.js';

const repo = mkdtempSync(join(tmpdir(), 'kwta-tracked-'));
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('experiment outputs never silently replace tracked files', () => {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
  git('init', '-q');
  mkdirSync(join(repo, 'docs', 'figure1'), { recursive: true });
  writeFileSync(join(repo, 'docs', 'figure1', 'README.md'), 'committed\n');
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'docs');

  it('finds the files git tracks under a directory, and none elsewhere', () => {
    expect(trackedFiles(join(repo, 'docs'))).toEqual(['docs/figure1/README.md']);
    expect(trackedFiles(join(repo, 'out', 'experiments'))).toEqual([]);
    expect(trackedFiles(join(tmpdir(), 'kwta-not-a-repo-dir'))).toEqual([]);
  });

  it('kwta experiment into tracked files is refused before any work, unless --force', async () => {
    const started = Date.now();
    await expect(runExperiment('figure1', { out: join(repo, 'docs'), cache: join(repo, 'out', 'models'), full: false, seed: 1, quiet: true })).rejects.toThrow(ValueError);
    await expect(runExperiment('figure1', { out: join(repo, 'docs'), cache: join(repo, 'out', 'models'), full: false, seed: 1, quiet: true })).rejects.toThrow(
      `'${join(repo, 'docs', 'figure1')}' holds files tracked by git (docs/figure1/README.md): pass --force to overwrite them, or choose another --out`,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
