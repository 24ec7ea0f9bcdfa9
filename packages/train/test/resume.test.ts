import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_FILE } from '../src/node.js';

const CHILD = join(__dirname, 'fixtures', 'train-child.ts');
const root = mkdtempSync(join(tmpdir(), 'kwta-resume-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Run the child; if `killAt` ("epoch batch") shows up in its output, SIGKILL it right there. */
function runChild(dir: string, out: string, method: string, killAt?: string): Promise<{ killed: boolean; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, out, method], { cwd: join(__dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '', killed = false;
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (killAt && !killed && output.includes(`progress ${killAt}\n`)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (killed && signal === 'SIGKILL') resolve({ killed, output });
      else if (code === 0) resolve({ killed, output });
      else reject(new Error(`child exited with ${code ?? signal}:\n${output}`));
    });
  });
}

describe('checkpoints: a run killed mid-epoch resumes to the same weights', () => {
  it.each(['at', 'free'])('%s training (with dropout, momentum, weight decay)', async (method) => {
    const straight = join(root, `${method}-straight`), interrupted = join(root, `${method}-interrupted`);
    await runChild(straight, join(root, `${method}-a.safetensors`), method);
    const first = await runChild(interrupted, join(root, `${method}-b.safetensors`), method, '1 5');
    expect(first.killed).toBe(true);
    expect(existsSync(join(interrupted, CHECKPOINT_FILE))).toBe(true); // epoch 1's checkpoint
    expect(existsSync(join(root, `${method}-b.safetensors`))).toBe(false);
    const second = await runChild(interrupted, join(root, `${method}-b.safetensors`), method);
    expect(second.output).not.toContain('progress 0 '); // resumed at epoch 1, not from scratch
    expect(second.output).toContain('progress 1 1\n');
    const a = readFileSync(join(root, `${method}-a.safetensors`));
    const b = readFileSync(join(root, `${method}-b.safetensors`));
    expect(b.length).toBe(a.length);
    expect(Buffer.compare(a, b)).toBe(0);
  }, 120_000);
});
