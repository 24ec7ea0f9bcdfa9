/**
 * Runs a benchmark script's main: its result is the exit code (0 when it returns nothing); a
 * thrown error prints its stack and the usage line and exits 2.
 */
export function runScript(main: () => Promise<number | void>, usage: string): void {
  main().then(
    (code) => { process.exitCode = code ?? 0; },
    (err: unknown) => {
      console.error(err instanceof Error ? err.stack ?? err.message : err);
      console.error(usage);
      process.exitCode = 2;
    },
  );
}

/** A command-line option that must be a whole number >= 1 (the usage line follows the error). */
export function positiveIntOption(name: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number >= 1, got '${text}'`);
  return n;
}

/** A command-line option that must be one of `choices`. */
export function choiceOption<T extends string>(name: string, text: string | undefined, choices: readonly T[]): T {
  if (!choices.includes(text as T)) throw new Error(`--${name} must be one of ${choices.join(', ')}, got '${text}'`);
  return text as T;
}
