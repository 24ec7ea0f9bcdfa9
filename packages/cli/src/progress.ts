import cliProgress from 'cli-progress';
import type { Progress, ProgressFactory } from '@kwta/experiments/node';

/** A progress bar on the terminal. */
export type Bar = Progress;

/** On a pipe, the longest a running job stays silent: a 4-hour training's ~10% steps are 24 minutes apart. */
const HEARTBEAT_MS = 60_000;

/**
 * A progress bar on a terminal (cli-progress); on a pipe or in CI, a plain line every ~10%, and
 * at least once a minute while updates come, so logs stay readable and a long job visibly moves,
 * and one for each note. `quiet` silences both. `now` (ms) is the clock, for tests.
 */
export function progressBar(label: string, total: number, opts: { quiet?: boolean; stream?: NodeJS.WriteStream; now?: () => number } = {}): Bar {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet) return { update: () => {}, stop: () => {} };
  let last = 0;
  if (!stream.isTTY) {
    const now = opts.now ?? Date.now;
    let lastDecile = -1, lastLine = now();
    return {
      update(done, status = '') {
        last = done;
        const decile = Math.floor((10 * done) / Math.max(total, 1));
        if (decile !== lastDecile || now() - lastLine >= HEARTBEAT_MS) {
          lastDecile = decile;
          lastLine = now();
          stream.write(`${label} ${done}/${total} ${status}\n`);
        }
      },
      note: (line) => void stream.write(`${label} ${last}/${total} ${line}\n`),
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${label.padEnd(28)} {bar} {value}/{total} {status}`, hideCursor: true, clearOnComplete: false, stream },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { status: '' });
  return {
    update: (done, status = '') => bar.update((last = done), { status }),
    note: (line) => bar.update(last, { status: line }),
    stop: () => bar.stop(),
  };
}

/** Progress bars for the recipes of @kwta/experiments (silent when `quiet`). */
export const progressBars = (quiet = false): ProgressFactory => (label, total) => progressBar(label, total, { quiet });
