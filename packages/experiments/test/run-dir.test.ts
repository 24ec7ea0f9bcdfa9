import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValueError } from '@kwta/core';
import { FileError, saveSafetensors } from '@kwta/nn/node';
import { Linear } from '@kwta/nn';
import { Generator } from '@kwta/core';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_FILE, MODEL_FILE, loadRun, runTrain, type Progress, type TrainRunOptions } from '../src/node.js';

const root = mkdtempSync(join(tmpdir(), 'kwta-rundir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A run small enough for a test: an MLP on 200 digits, one epoch of two batches. */
const base = (out: string, o: Partial<TrainRunOptions> = {}): TrainRunOptions => ({
  model: 'mlp', activation: 'kwta:0.1', method: 'natural', dataset: 'mnist', epochs: 1, batchSize: 100, optimizer: 'adam', lr: 1e-3,
  momentum: 0.9, weightDecay: 0, milestones: [], eps: 0.3, attackSteps: 1, tradesBeta: 6, freeReplays: 1, hidden: 16, trainLimit: 200, seed: 7, out, ...o,
});

/** Batches trained, through the progress hook, and the positions it was given out of its total. */
function counting(): { batches: () => number; positions: string[]; progress: TrainRunOptions['progress'] } {
  let n = 0;
  const positions: string[] = [];
  return {
    batches: () => n, positions,
    progress: (_label, total): Progress => ({ update: (done) => void (n++, positions.push(`${done}/${total}`)), stop: () => {} }),
  };
}

const files = (dir: string) => Object.fromEntries(readdirSync(dir).filter((f) => !f.startsWith('train')).map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));

describe('a run directory records its whole definition', () => {
  it('a rerun with another definition is refused, listing the differences and the two ways out; nothing is touched', () => {
    const out = join(root, 'a');
    runTrain(base(out));
    const before = files(out);
    expect(() => runTrain(base(out, { activation: 'relu', method: 'at' }))).toThrow(ValueError);
    expect(() => runTrain(base(out, { activation: 'relu', method: 'at' }))).toThrow(
      `'${out}' holds a different run: activation (recorded kwta:0.1, now relu), method (recorded natural, now at). ` +
        'Pass --resume to continue the recorded run as it was defined, or --overwrite to start over with these options',
    );
    for (const change of [{ lr: 0.01 }, { seed: 8 }, { epochs: 2 }, { hidden: 32 }, { trainLimit: 100 }, { batchSize: 50 }]) {
      expect(() => runTrain(base(out, change)), JSON.stringify(change)).toThrow(new RegExp(`holds a different run: ${Object.keys(change)[0]} \\(recorded`));
    }
    expect(files(out)).toEqual(before);
  });

  it('the same definition resumes (here: nothing left to train) and --overwrite starts over', () => {
    const out = join(root, 'b');
    runTrain(base(out));
    const weights = readFileSync(join(out, MODEL_FILE));
    const again = counting();
    runTrain({ ...base(out), progress: again.progress });
    expect(again.batches()).toBe(0);
    expect(readFileSync(join(out, MODEL_FILE)).equals(weights)).toBe(true);
    const fresh = counting();
    runTrain({ ...base(out, { activation: 'relu' }), progress: fresh.progress, mode: 'overwrite' });
    expect(fresh.batches()).toBe(2);
    expect(JSON.parse(readFileSync(join(out, CONFIG_FILE), 'utf8'))).toMatchObject({ activation: 'relu' });
  });

  it('--resume continues the recorded run: more epochs continue from its checkpoint; anything else that differs is refused', () => {
    const out = join(root, 'c');
    runTrain(base(out));
    const more = counting();
    runTrain({ ...base(out, { epochs: 2 }), progress: more.progress, mode: 'resume' });
    expect(more.batches()).toBe(2); // epoch 2 only
    // The bar counts the whole run's batches: it starts where the checkpoint left off.
    expect(more.positions).toEqual(['3/4', '4/4']);
    expect(JSON.parse(readFileSync(join(out, CONFIG_FILE), 'utf8'))).toMatchObject({ epochs: 2 });
    expect(() => runTrain({ ...base(out, { epochs: 2, lr: 0.5 }), mode: 'resume' })).toThrow(/--resume continues the recorded run, but lr differs \(recorded 0\.001, now 0\.5\)/);
    expect(() => runTrain({ ...base(join(root, 'nothing')), mode: 'resume' })).toThrow(`--resume: '${join(root, 'nothing')}' holds no run to resume (no ${CONFIG_FILE})`);
  });

  it('a directory holding run files without a config, or a config that is not one, is refused', () => {
    const out = join(root, 'foreign');
    mkdirSync(out);
    saveSafetensors(join(out, MODEL_FILE), new Linear(2, 2, { gen: new Generator(1) }));
    expect(() => runTrain(base(out))).toThrow(`'${out}' holds ${MODEL_FILE} but no ${CONFIG_FILE}: pass --overwrite to start over there`);
    const bad = join(root, 'bad-config');
    mkdirSync(bad);
    writeFileSync(join(bad, CONFIG_FILE), 'null');
    expect(() => runTrain(base(bad))).toThrow(`${join(bad, CONFIG_FILE)} is not a run config: expected a JSON object, got null`);
    expect(() => loadRun(bad)).toThrow(`${join(bad, CONFIG_FILE)} is not a run config: expected a JSON object, got null`);
  });

  it('an unwritable --out fails in under a second, before any data is loaded', () => {
    for (const out of ['/proc/kwta-run', join(root, 'a', CONFIG_FILE, 'x')]) {
      const started = Date.now();
      expect(() => runTrain(base(out))).toThrow(FileError);
      expect(Date.now() - started).toBeLessThan(1000);
    }
  });

  it('loadRun names whole paths, and refuses weights whose recorded definition disagrees with config.json', () => {
    expect(() => loadRun(`${join(root, 'none')}/`)).toThrow(`run directory '${join(root, 'none')}/' has no ${CONFIG_FILE} (${join(root, 'none', CONFIG_FILE)})`);
    const out = join(root, 'd');
    runTrain(base(out));
    const config = JSON.parse(readFileSync(join(out, CONFIG_FILE), 'utf8'));
    writeFileSync(join(out, CONFIG_FILE), JSON.stringify({ ...config, activation: 'relu' }));
    expect(() => loadRun(out)).toThrow(`${join(out, MODEL_FILE)} was trained as another run than ${join(out, CONFIG_FILE)} says: activation (weights kwta:0.1, config relu)`);
    expect(existsSync(join(out, MODEL_FILE))).toBe(true);
  });
});
