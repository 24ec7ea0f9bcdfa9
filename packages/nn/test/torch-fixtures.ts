import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Debian's PyTorch (python3-torch) lives under /usr/bin/python3; a pyenv `python3` earlier on
 * the PATH lacks it, so the tests call this one by path. Nothing is skipped without it: the
 * tests fail and say what to install.
 */
export const TORCH_PYTHON = '/usr/bin/python3';

const script = (name: string) => (isAbsolute(name) ? name : fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)));

/**
 * Run a fixture script (test/fixtures/NAME, or an absolute path) with PyTorch into a fresh temporary folder and
 * return the folder; `cleanup` removes it. Python runs asynchronously: a test file waiting on it for
 * a minute under load would otherwise block vitest's messages ('Timeout calling onTaskUpdate').
 */
export async function writeTorchFixtures(name: string, args: string[] = []): Promise<{ dir: string; cleanup: () => void }> {
  try {
    await run(TORCH_PYTHON, ['-c', 'import torch']);
  } catch (e) {
    throw new Error(
      `these tests compare with PyTorch files written at test time and need ${TORCH_PYTHON} with torch: ` +
        `install the Debian package python3-torch (apt-get install -y python3-torch; .ci/system-deps.sh does it). ` +
        `(${(e as Error).message.split('\n')[0]})`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'kwta-torch-'));
  // No __pycache__ in the source tree when one fixture script imports another.
  await run(TORCH_PYTHON, [script(name), dir, ...args], { timeout: 300_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export type ExpectedValue = number | boolean | 'nan' | 'inf' | '-inf';
export interface ExpectedTensor {
  dtype: string;
  shape: number[];
  values: ExpectedValue[];
}

export function readExpected(dir: string): Record<string, Record<string, ExpectedTensor> | null> {
  return (JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { files: Record<string, Record<string, ExpectedTensor> | null> }).files;
}

/** The number a JSON value stands for (non-finite floats are written as strings). */
export const expectedNumber = (v: ExpectedValue): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));
