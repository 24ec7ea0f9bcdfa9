import { describe, expect, it } from 'vitest';
import { Generator, randn } from '@kwta/core';
import { encodeSafetensors } from '@kwta/nn';
import type { ModelSpec } from '../src/protocol.js';
import { METADATA_KEY, ModelFileError, decodeModelFile, encodeModelFile, modelFileName } from '../src/engine/model-file.js';
import { buildModel } from '../src/engine/models.js';

const SPEC: ModelSpec = { arch: 'mlp', hidden: 16, gamma: 0.25, seed: 3 };
const weights = (m: ReturnType<typeof buildModel>) => Buffer.from(encodeSafetensors(m.stateDict()));

describe('playground model files (safetensors with the network in their metadata)', () => {
  it('round-trips a network, the file\'s description winning over the current one', () => {
    const model = buildModel(SPEC, 'kwta');
    const bytes = encodeModelFile(model, 'kwta', SPEC);
    const other: ModelSpec = { arch: 'cnn', hidden: 64, gamma: 0.1, seed: 1 };
    const { model: loaded, spec, message } = decodeModelFile(bytes, 'k.safetensors', 'kwta', other);
    expect(spec).toEqual(SPEC);
    expect(weights(loaded).equals(weights(model))).toBe(true);
    expect(message).toBe('Loaded k.safetensors into the k-WTA network (MLP, hidden width 16, gamma 0.25).');
    expect(modelFileName('kwta', SPEC)).toBe('kwta-playground-kwta-mlp-h16-gamma0.25.safetensors');
    expect(modelFileName('relu', SPEC)).toBe('kwta-playground-relu-mlp-h16.safetensors');
  });

  it('takes a file without playground metadata when its tensors fit the current network', () => {
    const model = buildModel(SPEC, 'relu');
    const { model: loaded, spec } = decodeModelFile(encodeSafetensors(model.stateDict()), 'plain.safetensors', 'relu', SPEC);
    expect(spec).toEqual(SPEC);
    expect(weights(loaded).equals(weights(model))).toBe(true);
  });

  const good = encodeModelFile(buildModel(SPEC, 'kwta'), 'kwta', SPEC);
  const withMeta = (meta: string): Uint8Array => encodeSafetensors(buildModel(SPEC, 'kwta').stateDict(), { [METADATA_KEY]: meta });
  const refusals: [string, Uint8Array, RegExp][] = [
    ['bytes that are not safetensors', Uint8Array.of(1, 2, 3), /^f\.safetensors is not a safetensors file, or it is damaged: .*too short/],
    ['a truncated file', good.subarray(0, good.length - 10), /^f\.safetensors is not a safetensors file, or it is damaged/],
    ['a file for the other side', encodeModelFile(buildModel(SPEC, 'relu'), 'relu', SPEC), /^f\.safetensors holds a ReLU network: load it on the ReLU side$/],
    ['metadata that is not JSON', withMeta('{'), /metadata is not JSON/],
    ['an unknown format', withMeta(JSON.stringify({ format: 2, net: 'kwta', spec: SPEC })), /unknown kwta-playground format 2/],
    ['a model the playground does not build', withMeta(JSON.stringify({ format: 1, net: 'kwta', spec: { ...SPEC, hidden: -4 } })), /describes no model the playground builds/],
    ['tensors that do not match the metadata', withMeta(JSON.stringify({ format: 1, net: 'kwta', spec: { ...SPEC, hidden: 17 } })), /does not hold the network its metadata describes: .*'1\.weight' has shape \[16, 784\] in the file but \[17, 784\]/],
    ['someone else\'s tensors', encodeSafetensors({ w: randn([2, 2], new Generator(1)) }), /is not a playground model file \(no kwta-playground metadata\) and its tensors do not fit the current k-WTA network/],
  ];
  for (const [what, bytes, message] of refusals) {
    it(`refuses ${what} with a ModelFileError that says why`, () => {
      expect(() => decodeModelFile(bytes, 'f.safetensors', 'kwta', SPEC)).toThrow(ModelFileError);
      expect(() => decodeModelFile(bytes, 'f.safetensors', 'kwta', SPEC)).toThrow(message);
    });
  }
});
