import { existsSync, readFileSync } from 'node:fs';
import { ValueError } from '@kwta/core';
import { writeJson } from '../files.js';

/** What the study has done: per stage, whether it finished and the wall time it took over all sittings. */
export interface Ledger {
  format: 'kwta-paper-scale-ledger-1';
  settings: unknown;
  stages: Record<string, StageRecord>;
  /** Each time the study was seeded from its committed report (its directory was lost), oldest first. */
  restores?: Restore[];
}

/** One restore of the study from its committed report, and the models retrained after it. */
export interface Restore {
  /** The report directory it was restored from, and when. */
  dir: string;
  at: string;
  /** Evaluations under way that resumed from the per-example state the report carried (stage ids). */
  resumed: string[];
  /** Evaluations under way the report carried no state for: they started again (stage ids). */
  restarted: string[];
  /** Models retrained from their seeds after this restore, by model id. */
  rebuilds: Record<string, Rebuild>;
}

/** A model retrained after a restore: it must reproduce the recorded training exactly, or the study stops. */
export interface Rebuild {
  /** The rebuilt training's own time (the sum of its epochs' seconds; when it diverged, of the epochs run up to the one that differed). */
  seconds: number;
  /** Held-out accuracy and every epoch's loss and training accuracy equal the recorded run's. */
  matches: boolean;
  /** Held-out accuracy: recorded, rebuilt (null when the rebuild stopped at a diverging epoch). */
  testAccuracy: [number, number | null];
  /** The first epoch whose loss or training accuracy differed from the recorded run's: the rebuild stopped there. */
  divergedAt?: { epoch: number; recorded: EpochNumbers; retrained: EpochNumbers };
  at: string;
}

/** What a rebuild compares of each epoch. */
export interface EpochNumbers {
  loss: number;
  trainAccuracy: number;
}

/** A stage's entry in the ledger: done or not, and its wall time over every sitting. */
export interface StageRecord {
  done: boolean;
  /** Wall seconds spent on the stage, summed over sittings (a killed sitting counts up to its last tick). */
  seconds: number;
  sittings: number;
  finishedAt?: string;
  /** Machine load (1-minute average) when the stage started and the cores it had: the timings' context. */
  load?: number[];
  cores?: number;
}

/** The study's ledger at `path` (a new one if absent); one written for other settings is a ValueError. */
export function readLedger(path: string, settings: unknown): Ledger {
  if (!existsSync(path)) return { format: 'kwta-paper-scale-ledger-1', settings, stages: {} };
  let ledger: Ledger;
  try {
    ledger = JSON.parse(readFileSync(path, 'utf8')) as Ledger;
  } catch (e) {
    throw new ValueError(`paper-scale: ${path} is not valid JSON (${(e as Error).message})`);
  }
  if (ledger.format !== 'kwta-paper-scale-ledger-1') throw new ValueError(`paper-scale: ${path} is not a study ledger`);
  if (JSON.stringify(ledger.settings) !== JSON.stringify(settings)) {
    throw new ValueError(`paper-scale: ${path} was written for other settings; continue with the same preset or use another --out (its settings: ${JSON.stringify(ledger.settings)})`);
  }
  return ledger;
}

/** Through the project's one atomic writer, so a kill leaves the old ledger or the new one. */
export function writeLedger(path: string, ledger: Ledger): void {
  writeJson(path, ledger);
}

/**
 * A stage's wall clock: adds the seconds since the last tick to the stage's record and writes the
 * ledger, at most every `every` seconds unless forced, so a killed sitting still counts.
 */
export class StageClock {
  private last = Date.now();
  private lastWrite = 0;

  constructor(private readonly path: string, private readonly ledger: Ledger, private readonly record: StageRecord, private readonly every = 15) {}

  tick(force = false): void {
    const now = Date.now();
    this.record.seconds += (now - this.last) / 1000;
    this.last = now;
    if (force || now - this.lastWrite >= this.every * 1000) {
      writeLedger(this.path, this.ledger);
      this.lastWrite = now;
    }
  }
}
