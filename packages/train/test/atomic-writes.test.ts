import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator } from '@kwta/core';
import { Linear, Sequential, decodeSafetensors } from '@kwta/nn';
import { removeStaleTemps } from '@kwta/nn/node';
import { SGD } from '@kwta/optim';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_FILE, loadCheckpoint } from '../src/node.js';

const CHILD = join(__dirname, 'fixtures', 'write-child.ts');
const root = mkdtempSync(join(tmpdir(), 'kwta-kill-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Start the writer, let it finish `rounds` rounds, then SIGKILL it `delayMs` later: at a random moment. */
function killMidWrite(dir: string, rounds: number, delayMs: number): Promise<void> {
  return killWriter(dir, [], (out) => out.split('\n').length > rounds, delayMs);
}

/** Start the writer stalled halfway through its `write`-th file write and SIGKILL it there: mid-write for certain. */
function killStalledWrite(dir: string, write: number): Promise<void> {
  return killWriter(dir, [String(write)], (out) => out.includes('stalled\n'), 0);
}

function killWriter(dir: string, args: string[], ready: (out: string) => boolean, delayMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, ...args], { cwd: join(__dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '', killing = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!killing && ready(out)) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited on its own:\n${err}`))));
  });
}

/** Every file is whole and one of the two versions (all values 0 or all 1). */
function checkWhole(dir: string): void {
  const weights = decodeSafetensors(readFileSync(join(dir, 'model.safetensors')));
  const w = weights.tensors.get('w')!.dataSync();
  expect(w.length).toBe(2 ** 21);
  const v = Number(weights.metadata.version);
  expect(w.every((x) => x === v)).toBe(true);
  const evaluation = JSON.parse(readFileSync(join(dir, 'eval.json'), 'utf8')) as { version: number; pad: string };
  expect([0, 1]).toContain(evaluation.version);
  expect(evaluation.pad.length).toBe(4 << 20);
  if (existsSync(join(dir, CHECKPOINT_FILE))) {
    const model = new Sequential(new Linear(1024, 1024, { gen: new Generator(2) }));
    const { meta } = loadCheckpoint(dir, model, new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 }));
    const weight = [...model.parameters()][0].dataSync();
    expect(weight.every((x) => x === meta.epoch)).toBe(true);
    model.dispose();
  }
}

describe('a kill during any write leaves the old file or the new one, never a torn one', () => {
  it('weights, JSON/text and checkpoints, killed at random moments and halfway through each write', async () => {
    const dir = join(root, 'w');
    const gen = new Generator(5);
    for (let i = 0; i < 8; i++) {
      await killMidWrite(dir, 1 + gen.int(2), gen.int(60));
      checkWhole(dir);
    }
    // Kills halfway through each kind of write (the writer's 3rd to 8th file writes: round two's
    // weights, JSON and checkpoint, then round three's): the temporary file is there, torn, and
    // the target is still whole.
    for (let write = 3; write < 9; write++) {
      await killStalledWrite(dir, write);
      checkWhole(dir);
      expect(readdirSync(dir).filter((f) => f.includes('.tmp-')).length).toBeGreaterThan(0);
    }
    // ... and they are cleaned up: the writer removes its own name's leftovers, removeStaleTemps the rest.
    removeStaleTemps(dir);
    expect(readdirSync(dir).sort()).toEqual(['checkpoint.safetensors', 'eval.json', 'model.safetensors']);
  }, 180_000);
});
