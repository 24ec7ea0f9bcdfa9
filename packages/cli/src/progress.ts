import cliProgress from 'cli-progress';
import type { Progress, ProgressFactory } from '@kwta/experiments/node';

/** A progress bar on the terminal. */
export type Bar = Progress;

/**
 * A progress bar on a terminal (cli-progress); on a pipe or in CI, a plain line every ~10% so
 * logs stay readable, and one for each note. `quiet` silences both.
 */
export function progressBar(label: string, total: number, opts: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Bar {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet) return { update: () => {}, stop: () => {} };
  let last = 0;
  if (!stream.isTTY) {
    let lastDecile = -1;
    return {
      update(done, status = '') {
        last = done;
        const decile = Math.floor((10 * done) / Math.max(total, 1));
        if (decile !== lastDecile) {
          lastDecile = decile;
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
