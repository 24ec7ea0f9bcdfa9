import { KwtaError } from '@kwta/core';
import { encodeSafetensors, loadSafetensorsBytes, readHeader, type Module } from '@kwta/nn';
import { NET_LABEL, type Arch, type ModelSpec, type Net } from '../protocol.js';
import { buildModel } from './models.js';

/**
 * Model files: safetensors (the tensors under the model's own state-dict names, readable by
 * PyTorch's safetensors) with one metadata entry saying which playground network they hold.
 * Only @kwta/nn's byte-level codec is used: the bytes go to and come from the user's disk.
 */
export const METADATA_KEY = 'kwta-playground';

interface FileMeta {
  format: 1;
  net: Net;
  spec: ModelSpec;
}

export function modelFileName(net: Net, spec: ModelSpec): string {
  return `kwta-playground-${net}-${spec.arch}-h${spec.hidden}${net === 'kwta' ? `-gamma${spec.gamma}` : ''}.safetensors`;
}

export function encodeModelFile(model: Module, net: Net, spec: ModelSpec): Uint8Array {
  const meta: FileMeta = { format: 1, net, spec };
  return encodeSafetensors(model.stateDict(), { [METADATA_KEY]: JSON.stringify(meta) });
}

/** A clear message for a file that could not be loaded. */
export class ModelFileError extends KwtaError {}

const ARCHS: readonly Arch[] = ['cnn', 'mlp'];

function checkSpec(source: string, spec: unknown): ModelSpec {
  const s = spec as Partial<ModelSpec> | null;
  const ok = s !== null && typeof s === 'object' && ARCHS.includes(s.arch as Arch) && Number.isInteger(s.hidden) && s.hidden! >= 1 && s.hidden! <= 4096
    && typeof s.gamma === 'number' && s.gamma > 0 && s.gamma <= 1 && Number.isInteger(s.seed);
  if (!ok) throw new ModelFileError(`${source}: its ${METADATA_KEY} metadata describes no model the playground builds (${JSON.stringify(spec)})`);
  return { arch: s!.arch!, hidden: s!.hidden!, gamma: s!.gamma!, seed: s!.seed! };
}

/**
 * Read a model file for the `net` side: the whole file is validated (framing, header, the
 * network it declares, every tensor's name, shape and dtype) and loaded into a new model, so
 * a corrupt or foreign file changes nothing. A file without playground metadata is accepted
 * when its tensors fit the `current` architecture exactly.
 */
export function decodeModelFile(bytes: Uint8Array, fileName: string, net: Net, current: ModelSpec): { model: Module; spec: ModelSpec; message: string } {
  let header;
  try {
    header = readHeader(bytes, fileName);
  } catch (e) {
    throw new ModelFileError(`${fileName} is not a safetensors file, or it is damaged: ${(e as Error).message}`);
  }
  const raw = header.metadata[METADATA_KEY];
  let spec = current;
  let declared = false;
  if (raw !== undefined) {
    let meta: Partial<FileMeta>;
    try {
      meta = JSON.parse(raw) as Partial<FileMeta>;
    } catch {
      throw new ModelFileError(`${fileName}: its ${METADATA_KEY} metadata is not JSON`);
    }
    if (meta.format !== 1) throw new ModelFileError(`${fileName}: unknown ${METADATA_KEY} format ${JSON.stringify(meta.format)}`);
    if (meta.net !== 'relu' && meta.net !== 'kwta') throw new ModelFileError(`${fileName}: its metadata names no network (${JSON.stringify(meta.net)})`);
    if (meta.net !== net) throw new ModelFileError(`${fileName} holds a ${NET_LABEL[meta.net]} network: load it on the ${NET_LABEL[meta.net]} side`);
    spec = checkSpec(fileName, meta.spec);
    declared = true;
  }
  const model = buildModel(spec, net);
  try {
    loadSafetensorsBytes(model, bytes, { strict: true, source: fileName });
  } catch (e) {
    model.dispose();
    const why = (e as Error).message;
    if (!(e instanceof KwtaError)) throw e;
    throw new ModelFileError(declared
      ? `${fileName} does not hold the network its metadata describes: ${why}`
      : `${fileName} is not a playground model file (no ${METADATA_KEY} metadata) and its tensors do not fit the current ${NET_LABEL[net]} network: ${why}`);
  }
  const what = `${spec.arch.toUpperCase()}, hidden width ${spec.hidden}${net === 'kwta' ? `, gamma ${spec.gamma}` : ''}`;
  return { model, spec, message: `Loaded ${fileName} into the ${NET_LABEL[net]} network (${what}).` };
}
