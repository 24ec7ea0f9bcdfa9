import { CheckpointError } from './errors.js';
import { STORAGE_TYPES, StorageRef, TorchTensor } from './storage.js';
import { PyDict, PyGlobal, PyList, PyTuple, describe, type PyValue } from './values.js';

/**
 * The allowlist: the only globals a checkpoint's pickle may name. A pickle that names anything
 * else is refused at that opcode, before anything is built; the listed callables are not
 * Python functions but the TypeScript rebuilds below, which only assemble data. This is what a
 * plain `torch.save(model.state_dict())` needs (PyTorch 1.x and 2.x), plus the containers of
 * the usual checkpoint wrappers.
 */
type Rebuild = (args: PyValue[], fail: (m: string) => CheckpointError) => PyValue;

interface Allowed {
  /** What REDUCE on it does; absent for globals that are only passed around (storage classes, types). */
  call?: Rebuild;
}

const tuple = (v: PyValue, what: string, fail: (m: string) => CheckpointError): PyValue[] => {
  if (v instanceof PyTuple || v instanceof PyList) return v.items;
  throw fail(`${what} must be a tuple, got ${describe(v)}`);
};

const ints = (v: PyValue, what: string, fail: (m: string) => CheckpointError): number[] =>
  tuple(v, what, fail).map((x) => {
    if (typeof x !== 'number' || !Number.isInteger(x)) throw fail(`${what} must hold integers, got ${describe(x)}`);
    return x;
  });

const isEmpty = (v: PyValue) => v === null || (v instanceof PyDict && v.map.size === 0 && !v.attrs);

function arity(name: string, args: PyValue[], counts: number[], fail: (m: string) => CheckpointError): void {
  if (!counts.includes(args.length)) throw fail(`${name} takes ${counts.join(' or ')} arguments, got ${args.length}`);
}

function storageArg(v: PyValue, fail: (m: string) => CheckpointError): StorageRef {
  if (!(v instanceof StorageRef)) throw fail(`a tensor's storage must come from the file's storages, got ${describe(v)}`);
  return v;
}

/** torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata]) */
const rebuildTensorV2: Rebuild = (args, fail) => {
  arity('_rebuild_tensor_v2', args, [6, 7], fail);
  const [storage, offset, size, stride, requiresGrad, hooks, metadata] = args;
  if (typeof requiresGrad !== 'boolean') throw fail(`_rebuild_tensor_v2: requires_grad must be a bool, got ${describe(requiresGrad)}`);
  if (!isEmpty(hooks)) throw fail(`_rebuild_tensor_v2: backward hooks (${describe(hooks)}) are code and are not restored`);
  if (metadata !== undefined && !isEmpty(metadata)) throw fail(`_rebuild_tensor_v2: tensor metadata ${describe(metadata)} is not supported`);
  if (typeof offset !== 'number') throw fail(`_rebuild_tensor_v2: storage offset must be an int, got ${describe(offset)}`);
  return new TorchTensor(storageArg(storage, fail), offset, ints(size, 'tensor size', fail), ints(stride, 'tensor stride', fail), requiresGrad);
};

/** torch._utils._rebuild_tensor(storage, offset, size, stride): PyTorch before 1.0. */
const rebuildTensorV1: Rebuild = (args, fail) => {
  arity('_rebuild_tensor', args, [4], fail);
  const [storage, offset, size, stride] = args;
  if (typeof offset !== 'number') throw fail(`_rebuild_tensor: storage offset must be an int, got ${describe(offset)}`);
  return new TorchTensor(storageArg(storage, fail), offset, ints(size, 'tensor size', fail), ints(stride, 'tensor stride', fail), false);
};

/** torch._utils._rebuild_parameter(data, requires_grad, backward_hooks[, state]): a Parameter is its data here. */
const rebuildParameter: Rebuild = (args, fail) => {
  arity('_rebuild_parameter', args, [3, 4], fail);
  const [data, , hooks, state] = args;
  if (!(data instanceof TorchTensor)) throw fail(`_rebuild_parameter: data must be a tensor, got ${describe(data)}`);
  if (!isEmpty(hooks)) throw fail(`_rebuild_parameter: backward hooks (${describe(hooks)}) are code and are not restored`);
  if (state !== undefined && !isEmpty(state)) throw fail(`_rebuild_parameter_with_state: parameter state ${describe(state)} is not supported`);
  return data;
};

const TENSOR_TYPES = new Set(['torch.Tensor', 'torch.nn.parameter.Parameter']);

/** torch._tensor._rebuild_from_type_v2(func, type, args, state): PyTorch 2 for tensors with a Python type. */
const rebuildFromType: Rebuild = (args, fail) => {
  arity('_rebuild_from_type_v2', args, [4], fail);
  const [func, type, inner, state] = args;
  if (!(type instanceof PyGlobal) || !TENSOR_TYPES.has(type.qualified)) throw fail(`_rebuild_from_type_v2: type ${describe(type)} is not a plain tensor or Parameter`);
  if (!(func instanceof PyGlobal) || ![rebuildTensorV2, rebuildParameter].includes(ALLOWED[func.qualified]?.call as Rebuild)) {
    throw fail(`_rebuild_from_type_v2: rebuild function ${describe(func)} is not a tensor rebuild`);
  }
  if (!isEmpty(state)) throw fail(`_rebuild_from_type_v2: tensor state ${describe(state)} is not supported`);
  return ALLOWED[func.qualified].call!(tuple(inner, '_rebuild_from_type_v2 arguments', fail), fail);
};

/** collections.OrderedDict() (protocol 2+), or OrderedDict([[key, value], ...]) as Python 2 wrote it. */
const orderedDict: Rebuild = (args, fail) => {
  arity('OrderedDict', args, [0, 1], fail);
  const d = new PyDict(true);
  if (args.length === 1) {
    for (const pair of tuple(args[0], 'OrderedDict items', fail)) {
      const kv = tuple(pair, 'an OrderedDict item', fail);
      if (kv.length !== 2) throw fail(`an OrderedDict item must be a (key, value) pair, got ${kv.length} elements`);
      d.map.set(kv[0], kv[1]);
    }
  }
  return d;
};

/** The allowlist by qualified name (`torch._utils._rebuild_tensor_v2`, ...): every global a checkpoint may name (see above). */
export const ALLOWED: Record<string, Allowed> = {
  'collections.OrderedDict': { call: orderedDict },
  'torch._utils._rebuild_tensor_v2': { call: rebuildTensorV2 },
  'torch._utils._rebuild_tensor': { call: rebuildTensorV1 },
  'torch._utils._rebuild_parameter': { call: rebuildParameter },
  'torch._utils._rebuild_parameter_with_state': { call: rebuildParameter },
  'torch._tensor._rebuild_from_type_v2': { call: rebuildFromType },
  'torch.Tensor': {},
  'torch.nn.parameter.Parameter': {},
  ...Object.fromEntries(Object.keys(STORAGE_TYPES).map((s) => [`torch.${s}`, {}])),
};

/** Why a global is refused, with a hint for the usual culprits. */
function refusal(qualified: string): string {
  const hint = qualified.startsWith('__torch__')
    ? ': this is a TorchScript archive (torch.jit.save); save model.state_dict() with torch.save instead'
    : /^(__main__\.|torch\.nn\.modules\.)/.test(qualified)
      ? ': the file pickles a whole model object; save model.state_dict() instead'
      : /^numpy\./.test(qualified)
        ? ': numpy objects are not read; store plain Python numbers or tensors'
        : '';
  return `global '${qualified}' is not on the allowlist of what a state dict needs${hint}; nothing was executed`;
}

/** Resolve a GLOBAL / STACK_GLOBAL: an allowlisted name, or a CheckpointError naming it. */
export function resolveGlobal(module: string, name: string, fail: (m: string) => CheckpointError): PyGlobal {
  const g = new PyGlobal(module, name);
  if (!Object.hasOwn(ALLOWED, g.qualified)) throw fail(refusal(g.qualified));
  return g;
}

/** REDUCE: call an allowlisted rebuild with its argument tuple; anything else is refused. */
export function callGlobal(callable: PyValue, args: PyValue, fail: (m: string) => CheckpointError): PyValue {
  const call = callable instanceof PyGlobal ? ALLOWED[callable.qualified]?.call : undefined;
  if (!call) throw fail(`REDUCE on ${describe(callable)}: only the allowlisted rebuild functions may be called (${Object.keys(ALLOWED).filter((k) => ALLOWED[k].call).join(', ')})`);
  return call(tuple(args, `arguments of ${(callable as PyGlobal).qualified}`, fail), fail);
}

export function storageTypeOf(v: PyValue): keyof typeof STORAGE_TYPES | null {
  if (!(v instanceof PyGlobal) || v.module !== 'torch') return null;
  return Object.hasOwn(STORAGE_TYPES, v.name) ? (v.name as keyof typeof STORAGE_TYPES) : null;
}
