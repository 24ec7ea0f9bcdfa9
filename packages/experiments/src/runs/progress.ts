/** A display for a long loop: the CLI passes terminal progress bars, code that passes none is silent. */
export interface Progress {
  update(done: number, status?: string): void;
  stop(): void;
}

/** Makes a Progress for `total` steps under `label`. */
export type ProgressFactory = (label: string, total: number) => Progress;

export const silentProgress: ProgressFactory = () => ({ update: () => {}, stop: () => {} });
