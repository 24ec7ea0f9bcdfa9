import { join } from 'node:path';
import { FULL_SETTINGS, MAIN_SETTINGS, type PaperScaleSettings } from '../paper-scale/settings.js';

/**
 * Options of the main job (`kwta reproduce`): output directory, scale, seed, progress, and smaller settings
 * for tests.
 */
export interface MainJobOptions {
  out: string;
  /** The paper's full setting (hidden 20000, eight models, the width sweep: days on 2 cores) instead of the main job's. */
  full: boolean;
  seed: number;
}

/** The main job's recipe: the study settings to run and where. */
export interface MainJob {
  settings: PaperScaleSettings;
  out: string;
  reportDir: string;
  /** `kwta paper-scale --preset <preset>` runs the same study. */
  preset: 'main' | 'full';
}

/**
 * The main job (`npm run main`, `kwta reproduce`): the paper-scale study's `main` preset, ReLU
 * against k-WTA-0.1 at the widest hidden width that fits 15 minutes on the 2-core machine,
 * natural training to >= 97%, 500 held-out digits attacked with PGD-20, AutoAttack and the
 * published adaptive attack, Wilson intervals, the worst case per example and the masking
 * checks. `full` runs the whole paper-scale study (resumable: rerun to continue).
 */
export function mainJob(o: MainJobOptions): MainJob {
  const preset = o.full ? 'full' : 'main';
  const settings = { ...(o.full ? FULL_SETTINGS : MAIN_SETTINGS), seed: o.seed };
  return { settings, out: o.out, reportDir: join(o.out, 'report'), preset };
}
