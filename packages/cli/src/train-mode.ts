import { DEFINITION_NAMES, readRunConfig, type RunMode } from '@kwta/experiments/node';
import { CliError } from './spec.js';

type Opts = Record<string, unknown>;

/**
 * `kwta train`'s --resume and --overwrite: the run mode, the run directory (default
 * runs/<model>-<activation>-<method>), and under --resume the recorded definition for every
 * option not given, so `kwta train --out runs/a --resume` continues runs/a as it was defined
 * (an option given that differs is refused by the run directory; --epochs may grow).
 */
export function trainMode(o: Opts, given: (key: string) => boolean): Opts & { out: string; mode: RunMode } {
  if (o.resume && o.overwrite) throw new CliError('give --resume or --overwrite, not both');
  const out = String(o.out ?? `runs/${String(o.model)}-${String(o.activation).replace(':', '-')}-${String(o.method)}`);
  if (!o.resume) return { ...o, out, mode: o.overwrite ? 'overwrite' : 'auto' };
  const recorded = readRunConfig(out);
  const merged: Opts = { ...o, out, mode: 'resume' };
  if (recorded) {
    for (const key of DEFINITION_NAMES) {
      if (given(key)) continue;
      const v = recorded[key];
      merged[key] = Array.isArray(v) ? (v.length ? v.join(',') : undefined) : v === undefined || v === null ? undefined : String(v);
    }
  }
  return merged as Opts & { out: string; mode: RunMode };
}
