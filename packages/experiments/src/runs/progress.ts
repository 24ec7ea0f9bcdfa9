/** A display for a long loop: the CLI passes terminal progress bars, code that passes none is silent. */
export interface Progress {
  /** `done` units are done; `status` says what is happening. */
  update(done: number, status?: string): void;
  /**
   * A milestone inside a long step (an AutoAttack member finished on its batch): where `update`
   * prints a line only every tenth of the way, this gets a line of its own.
   */
  note?(line: string): void;
  /** The task is over: close the report. */
  stop(): void;
}

/** Makes a Progress for `total` steps under `label`. */
export type ProgressFactory = (label: string, total: number) => Progress;

/** A progress factory that reports nothing. */
export const silentProgress: ProgressFactory = () => ({ update: () => {}, stop: () => {} });
