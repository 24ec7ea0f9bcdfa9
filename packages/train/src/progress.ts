import type { TrainProgress } from './trainer.js';

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}:${String(s % 60).padStart(2, '0')}`;
}

/** One status line: epoch, step, loss, accuracy, elapsed and time left. */
export function formatProgress(p: TrainProgress): string {
  return `epoch ${p.epoch + 1}/${p.epochs}  batch ${p.batch}/${p.batches}  loss ${p.loss.toFixed(4)}  acc ${(100 * p.accuracy).toFixed(1)}%  elapsed ${clock(p.elapsedSeconds)}  left ${clock(p.etaSeconds)}`;
}
