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
