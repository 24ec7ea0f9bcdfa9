import { ValueError } from '@kwta/core';
import type { Module } from '../module.js';
import { ReLU, type ActivationFactory } from './activation.js';
import { KWTA, KWTAChannel, KWTAFixedK } from './kwta.js';
import { LWTA } from './lwta.js';

/**
 * One activation known by name (`kwta:0.1` on the command line, in run configs and in the
 * experiments): how its spec string is read, how it is labelled in tables, how it is built.
 * Adding an activation is one entry in ACTIVATION_REGISTRY (and its row in the README table,
 * which test/registry.test.ts checks).
 */
export interface ActivationEntry<P extends object> {
  /** Spec syntax, e.g. 'kwta:<gamma>'. */
  syntax: string;
  /** A valid spec, used in error messages and by the registry test. */
  example: string;
  description: string;
  /** The parameters from the text after ':' (undefined when there is none). */
  parse(arg: string | undefined, spec: string): P;
  /** Its name in tables and plots, e.g. 'k-WTA-0.1'. */
  label(params: P): string;
  /** Build the activation from its parameters. */
  build(params: P): Module;
}

const entry = <P extends object>(e: ActivationEntry<P>): ActivationEntry<P> => e;

/** A number after ':' that passes `check`, else a ValueError saying what is expected. */
function numberArg(spec: string, arg: string | undefined, what: string, check: (v: number) => boolean, expect: string): number {
  const v = Number(arg);
  if (arg === undefined || arg === '' || !check(v)) throw new ValueError(`activation '${spec}': ${what} must be ${expect}`);
  return v;
}

const ratio = (v: number) => v > 0 && v <= 1;

/** Every activation, by kind: how to build it from its parameters. */
export const ACTIVATION_REGISTRY = {
  relu: entry({
    syntax: 'relu', example: 'relu', description: 'ReLU',
    parse: () => ({}), label: () => 'ReLU', build: () => new ReLU(),
  }),
  kwta: entry({
    syntax: 'kwta:<gamma>', example: 'kwta:0.1', description: "the paper's k-WTA: per sample keep the floor(gamma * C*H*W) largest",
    parse: (arg, spec) => ({ gamma: numberArg(spec, arg, 'gamma', ratio, 'in (0, 1], e.g. kwta:0.1') }),
    label: (p) => `k-WTA-${p.gamma}`, build: (p) => new KWTA({ gamma: p.gamma }),
  }),
  'kwta-channel': entry({
    syntax: 'kwta-channel:<gamma>', example: 'kwta-channel:0.2', description: 'k-WTA per channel: keep the floor(gamma * H*W) largest of each channel',
    parse: (arg, spec) => ({ gamma: numberArg(spec, arg, 'gamma', ratio, 'in (0, 1], e.g. kwta:0.1') }),
    label: (p) => `k-WTA-channel-${p.gamma}`, build: (p) => new KWTAChannel({ gamma: p.gamma }),
  }),
  'kwta-k': entry({
    syntax: 'kwta-k:<k>', example: 'kwta-k:50', description: 'k-WTA with a fixed k per sample',
    parse: (arg, spec) => ({ k: numberArg(spec, arg, 'k', (v) => Number.isInteger(v) && v > 0, 'a positive integer, e.g. kwta-k:50') }),
    label: (p) => `k-WTA (k=${p.k})`, build: (p) => new KWTAFixedK({ k: p.k }),
  }),
  lwta: entry({
    syntax: 'lwta:<groupSize>', example: 'lwta:10', description: 'local winner-take-all: the largest of each group of consecutive units (channels)',
    parse: (arg, spec) => ({ groupSize: numberArg(spec, arg, 'group size', (v) => Number.isInteger(v) && v > 1, 'an integer > 1, e.g. lwta:10') }),
    label: (p) => `LWTA-${p.groupSize}`, build: (p) => new LWTA({ groupSize: p.groupSize }),
  }),
};

/** An activation kind of the registry ('relu', 'kwta', ...). */
export type ActivationKind = keyof typeof ACTIVATION_REGISTRY;
/** The parameters of activation kind K (`{ gamma }` for 'kwta', ...). */
export type ParamsOf<K extends ActivationKind> = (typeof ACTIVATION_REGISTRY)[K] extends ActivationEntry<infer P> ? P : never;
/** A parsed activation spec: `{ kind: 'kwta', gamma: 0.1 }`. */
export type ActivationSpec = { [K in ActivationKind]: { kind: K } & ParamsOf<K> }[ActivationKind];

/** Every activation kind the registry knows. */
export const ACTIVATION_KINDS = Object.keys(ACTIVATION_REGISTRY) as ActivationKind[];

const isKind = (kind: string): kind is ActivationKind => Object.hasOwn(ACTIVATION_REGISTRY, kind);

/** Every spec syntax, e.g. ['relu', 'kwta:<gamma>', ...] (for help texts). */
export const activationSyntax = (): string[] => ACTIVATION_KINDS.map((k) => ACTIVATION_REGISTRY[k].syntax);

/** 'relu' | 'kwta:<gamma>' | 'kwta-channel:<gamma>' | 'kwta-k:<k>' | 'lwta:<groupSize>' → its spec, or a ValueError. */
export function parseActivation(spec: string): ActivationSpec {
  const [kind, arg] = spec.split(':');
  if (!isKind(kind)) {
    const all = activationSyntax();
    throw new ValueError(`unknown activation '${spec}' (expected ${all.slice(0, -1).join(', ')} or ${all[all.length - 1]})`);
  }
  // The entry's parse returns exactly the parameters of `kind`.
  return { kind, ...(ACTIVATION_REGISTRY[kind] as ActivationEntry<object>).parse(arg, spec) } as ActivationSpec;
}

function entryOf(spec: ActivationSpec): ActivationEntry<ActivationSpec> {
  if (!spec || !isKind(spec.kind)) throw new ValueError(`unknown activation kind '${String(spec?.kind)}' (expected ${ACTIVATION_KINDS.join(', ')})`);
  return ACTIVATION_REGISTRY[spec.kind] as unknown as ActivationEntry<ActivationSpec>;
}

/** A factory the model builders call once per activation site. */
export function activationFactory(spec: ActivationSpec): ActivationFactory {
  const e = entryOf(spec);
  return () => e.build(spec);
}

/** Its name in tables: 'ReLU', 'k-WTA-0.1', 'LWTA-10', ... */
export const activationLabel = (spec: ActivationSpec): string => entryOf(spec).label(spec);
