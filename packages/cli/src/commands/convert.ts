import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { prepareOutputFile, readTorchCheckpointFile, saveSafetensors } from '@kwta/nn/node';
import { checkpointOptions } from '../weights.js';

export interface ConvertOptions {
  input: string;
  output: string;
  key?: string;
  rename?: string;
  /** Keep DataParallel's 'module.' prefix (default: removed when every name has it). */
  keepPrefix?: boolean;
}

export interface ConvertSummary {
  input: string;
  output: string;
  format: string;
  tensors: number;
  bytes: number;
  /** PyTorch dtype -> the dtype written, where they differ (float16 and bfloat16 widen, int64 narrows). */
  conversions: Record<string, string>;
  notes: readonly string[];
}

const WRITTEN: Record<string, string> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };

/**
 * `kwta convert in.pth out.safetensors`: read a torch.save file without executing anything
 * and write its state dict as safetensors, names and order kept. Element types become the
 * engine's (float16/bfloat16 → F32 exactly, int64/int16/int8/uint8 → I32, an int64 outside
 * int32 is refused).
 */
export function runConvert(o: ConvertOptions): ConvertSummary {
  prepareOutputFile(o.output);
  const ckpt = readTorchCheckpointFile(o.input, { ...checkpointOptions(o), ...(o.keepPrefix ? { stripPrefix: false } : {}) });
  const dict = ckpt.stateDict();
  const conversions: Record<string, string> = {};
  for (const t of ckpt.entries.values()) {
    const written = WRITTEN[t.dtype];
    if (t.torchDType !== t.dtype) conversions[t.torchDType] = written;
  }
  try {
    saveSafetensors(o.output, dict, { source: basename(o.input), converted_by: 'kwta convert' });
  } finally {
    for (const t of dict.values()) t.dispose();
  }
  return { input: o.input, output: o.output, format: ckpt.format, tensors: dict.size, bytes: statSync(o.output).size, conversions, notes: ckpt.notes };
}

export function formatConvert(s: ConvertSummary): string {
  const conv = Object.entries(s.conversions).map(([from, to]) => `${from} -> ${to}`);
  return [
    `${s.input} (${s.format} torch.save) -> ${s.output}: ${s.tensors} tensors, ${s.bytes} bytes`,
    ...(conv.length ? [`converted: ${conv.join(', ')}`] : []),
    ...s.notes.map((n) => `note: ${n}`),
  ].join('\n');
}
