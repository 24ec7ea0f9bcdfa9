import { readFileSync } from 'node:fs';
import { Generator, ValueError, noGrad, randn, zerosLike } from '@kwta/core';
import { describe, expect, it } from 'vitest';
import {
  ACTIVATION_KINDS, ACTIVATION_REGISTRY, Activation, KWTA, KWTAChannel, KWTAFixedK, LWTA, MODEL_NAMES, MODEL_REGISTRY, ReLU, activationFactory, activationLabel,
  activationSyntax, buildModel, captureActivationPatterns, encodeSafetensors, loadSafetensorsBytes, parseActivation, type ActivationSpec, type ModelName,
} from '../src/index.js';

// The README's tables are the documentation the registries promise: one row per entry.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const tableRows = (header: string) => {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${header} |`));
  const rows: string[] = [];
  for (let i = start + 2; start >= 0 && i < lines.length && lines[i].startsWith('|'); i++) rows.push(lines[i].split('|')[1].trim().replace(/`/g, ''));
  return rows;
};

describe('the activation registry', () => {
  it('every entry parses its example, builds an Activation, has a label and a README row', () => {
    expect(tableRows('activation')).toEqual(activationSyntax());
    for (const kind of ACTIVATION_KINDS) {
      const e = ACTIVATION_REGISTRY[kind];
      expect(e.syntax.split(':')[0], kind).toBe(kind);
      const spec = parseActivation(e.example);
      expect(spec.kind).toBe(kind);
      expect(activationFactory(spec)()).toBeInstanceOf(Activation);
      expect(activationLabel(spec).length).toBeGreaterThan(0);
      expect(e.description.length).toBeGreaterThan(0);
    }
  });

  it('parses activation specs', () => {
    expect(parseActivation('relu')).toEqual({ kind: 'relu' });
    expect(parseActivation('kwta:0.1')).toEqual({ kind: 'kwta', gamma: 0.1 });
    expect(parseActivation('kwta-k:50')).toEqual({ kind: 'kwta-k', k: 50 });
    expect(activationFactory(parseActivation('kwta:0.2'))()).toBeInstanceOf(KWTA);
    expect(activationFactory(parseActivation('kwta-channel:0.2'))()).toBeInstanceOf(KWTAChannel);
    expect(activationFactory(parseActivation('kwta-k:3'))()).toBeInstanceOf(KWTAFixedK);
    expect(activationFactory(parseActivation('lwta:4'))()).toBeInstanceOf(LWTA);
    expect(activationFactory(parseActivation('relu'))()).toBeInstanceOf(ReLU);
    const labels = ['relu', 'kwta:0.1', 'kwta-channel:0.2', 'kwta-k:50', 'lwta:10'].map((s) => activationLabel(parseActivation(s)));
    expect(labels).toEqual(['ReLU', 'k-WTA-0.1', 'k-WTA-channel-0.2', 'k-WTA (k=50)', 'LWTA-10']);
  });

  it('refuses bad specs with a message that says what is expected', () => {
    expect(() => parseActivation('kwta')).toThrow(/gamma must be in \(0, 1\]/);
    expect(() => parseActivation('kwta:1.5')).toThrow(ValueError);
    expect(() => parseActivation('kwta-k:2.5')).toThrow(/positive integer/);
    expect(() => parseActivation('lwta:1')).toThrow(/group size must be an integer > 1/);
    expect(() => parseActivation('tanh')).toThrow("unknown activation 'tanh' (expected relu, kwta:<gamma>, kwta-channel:<gamma>, kwta-k:<k> or lwta:<groupSize>)");
    expect(() => activationFactory({ kind: 'tanh' } as unknown as ActivationSpec)).toThrow(/unknown activation kind 'tanh'/);
  });
});

describe('the model registry', () => {
  it('every model has a README row', () => {
    expect(tableRows('model')).toEqual(MODEL_NAMES);
    for (const name of MODEL_NAMES) expect(MODEL_REGISTRY[name].description.length).toBeGreaterThan(0);
  });

  // A small input each model runs on ([channels, side]): a new model does not compile here until it has one.
  const INPUT: Record<ModelName, [number, number]> = {
    'mnist-cnn': [1, 28], mlp: [1, 28], resnet18: [3, 8], densenet121: [3, 8], wrn: [3, 8], vgg19: [3, 32],
    'sp-resnet18': [3, 8], 'sp-resnet34': [3, 8], 'sp-densenet121': [3, 8], 'sp-wrn': [3, 8],
  };

  // Full-size models (up to 27 M parameters): each is built once, run on two small images,
  // zeroed and loaded back from its own safetensors bytes.
  it.each(MODEL_NAMES)('%s builds, runs every k-WTA site (seen by forward hooks) and round-trips through safetensors', (name: ModelName) => {
    const [channels, side] = INPUT[name];
    const model = buildModel({ name, activation: parseActivation('kwta:0.1'), hidden: 16, seed: 1, inChannels: channels, inputSize: side, numClasses: 10 });
    const sites = model.modules().filter((m) => m instanceof KWTA).length;
    expect(sites).toBeGreaterThan(0);
    const x = randn([2, channels, side, side], new Generator(0));
    expect(captureActivationPatterns(model, x)).toHaveLength(sites); // throws if a site is called around the hooks
    x.dispose();
    const bytes = encodeSafetensors(model.stateDict());
    noGrad(() => {
      for (const t of model.stateDict().values()) {
        const zero = zerosLike(t);
        t.assign(zero);
        zero.dispose();
      }
    });
    const first = () => Array.from(model.parameters()[0].dataSync().subarray(0, 4));
    expect(first()).toEqual([0, 0, 0, 0]);
    loadSafetensorsBytes(model, bytes, { strict: true });
    expect(first()).not.toEqual([0, 0, 0, 0]);
    expect(Buffer.compare(encodeSafetensors(model.stateDict()), bytes)).toBe(0); // same names, shapes, dtypes and bytes
    model.dispose();
  }, 60_000);

  it('refuses an unknown model, and a kWTA-repository model with an activation it cannot place', () => {
    const spec = { activation: { kind: 'relu' } as const, seed: 1, inChannels: 3, inputSize: 32, numClasses: 10 };
    expect(() => buildModel({ ...spec, name: 'alexnet' as never })).toThrow(/unknown model 'alexnet'/);
    expect(() => buildModel({ ...spec, name: 'sp-resnet18' })).toThrow(/sp-resnet18 is a k-WTA model of the kWTA repository: give --activation kwta:<gamma>/);
    const reg = buildModel({ ...spec, name: 'sp-resnet18', activation: parseActivation('kwta-channel:0.2') });
    expect(reg.modules().some((m) => m instanceof KWTAChannel)).toBe(true);
    reg.dispose();
  });
});
