import { KwtaError } from '@kwta/core';

/** A bad option or config value: the CLI prints it and exits with status 2. */
export class CliError extends KwtaError {}

/** Parse option `name` as a positive integer (a CliError otherwise); `fallback` when absent. */
export function parsePositiveInt(name: string, v: string | number | undefined, fallback?: number): number {
  if (v === undefined) {
    if (fallback === undefined) throw new CliError(`--${name} is required`);
    return fallback;
  }
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`--${name} must be a positive integer, got '${v}'`);
  return n;
}

/**
 * Parse option `name` as a number that passes `check` (a CliError saying what was expected otherwise);
 * `fallback` when absent.
 */
export function parseNumber(name: string, v: string | number | undefined, fallback: number, check: (n: number) => boolean = Number.isFinite, expect = 'a finite number'): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!check(n)) throw new CliError(`--${name} must be ${expect}, got '${v}'`);
  return n;
}

/** A seed: an integer in [0, 2^53) (core's Generator refuses anything else). */
export function parseSeed(name: string, v: string | number | undefined, fallback = 1): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0 || String(v).trim() === '') throw new CliError(`--${name} must be an integer in [0, 2^53), got '${v}'`);
  return n;
}
