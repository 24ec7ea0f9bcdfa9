import { Generator, WasmBackend, type TensorInfo } from '@kwta/core';
import {
  wasmContext, densifyWasm, extractWinnersWasm, nonzeroRows, packLinearWeight, sparseConv2dBackwardFilterWasm, sparseConv2dBackwardInputWasm, sparseConv2dWasm,
  sparseLinearInputGradWasm, sparseLinearWasm, sparseLinearWeightGradWasm,
  type Operand, type RowsInWasm, type SparseLayer, type SparsePass,
} from '@kwta/core/internal';
import { kwtaBackend } from '../../contenders/backends.js';
import type { Contender, Prepared } from '../../harness/types.js';

/**
 * One pass of a layer whose input is a k-WTA's output, on the wasm backend (2 threads), as the
 * dense path runs it (the backend's matmul / conv kernels on the dense k-WTA output) and as the
 * sparse path does (core's sparse kernels on its winners). Kernels only: no tensors,
 * no tape, so the ratio is the kernels' own.
 */

/** 'sparse-cached': the linear forward with W's panels interleaved once, ahead of time (a weight cache). */
export type Path = 'dense' | 'sparse' | 'sparse-cached';

function wasmBackend(): WasmBackend {
  const b = kwtaBackend('wasm');
  if (!(b instanceof WasmBackend)) throw new Error('sparse benchmarks: the wasm backend is not available');
  return b;
}

/** A tensor's storage as a wasm kernel operand. */
function operand(b: WasmBackend, t: TensorInfo): Operand {
  return wasmContext(b).store.operand(t.dataId);
}

function uniform(n: number, gen: Generator): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = gen.uniform() * 2 - 1;
  return a;
}

interface Fixture {
  run(): TensorInfo;
  /** The pass's output as the agreement check compares it (dense input gradients keep the winners' entries only). */
  outputs(): Float32Array[];
  dispose(): void;
}

/** Tensors uploaded to (or made on) the backend by one fixture, freed together. */
function owner(b: WasmBackend) {
  const owned: TensorInfo[] = [];
  return {
    up(values: Float32Array, shape: number[]): TensorInfo {
      const dataId = b.alloc('float32', values.length);
      b.write(dataId, values);
      const t: TensorInfo = { dataId, shape, dtype: 'float32' };
      owned.push(t);
      return t;
    },
    own(...ts: TensorInfo[]): void {
      owned.push(...ts);
    },
    dispose(): void {
      for (const t of owned) b.free(t.dataId);
      owned.length = 0;
    },
  };
}

/** A k-WTA of random rows [rows, cols] on the backend: its dense output, its mask and its winners. */
function kwtaOf(b: WasmBackend, rows: number, cols: number, k: number, gen: Generator) {
  const o = owner(b);
  const x = o.up(uniform(rows * cols, gen), [rows, cols]);
  const [mask] = b.run('topkMask', [x], { k });
  const [dense] = b.run('where', [mask, x, o.up(new Float32Array(1), [])], {});
  o.own(mask, dense);
  const winners = extractWinnersWasm(wasmContext(b), operand(b, x), wasmContext(b).store.mask(mask.dataId), rows, cols, k);
  return {
    dense, winners, mask: b.read(mask.dataId) as Uint8Array, up: o.up,
    dispose: () => { o.dispose(); winners.release(); },
  };
}

function masked(values: Float32Array, mask: Uint8Array): Float32Array {
  return values.map((v, i) => (mask[i] ? v : 0));
}

function build(layer: SparseLayer, pass: SparsePass, path: Path, seed: number): Fixture {
  const b = wasmBackend(), ctx = wasmContext(b);
  const gen = new Generator(seed);
  const N = layer.batch;
  const read = (t: TensorInfo) => b.read(t.dataId) as Float32Array;
  if (layer.kind === 'linear') {
    const { inF, out, k } = layer;
    const kOut = layer.kOut ?? out;
    const x = kwtaOf(b, N, inF, k, gen);
    const w = x.up(uniform(out * inF, gen), [out, inF]);
    // dy: the next k-WTA's winners, or dense (a loss or a ReLU follows).
    let dyDense: TensorInfo, dyRows: RowsInWasm | null = null, dyDispose = () => {};
    if (kOut < out) {
      const d = kwtaOf(b, N, out, kOut, gen);
      [dyDense, dyRows, dyDispose] = [d.dense, d.winners, d.dispose];
    } else {
      const values = uniform(N * out, gen);
      dyDense = x.up(values, [N, out]);
      dyRows = { ...nonzeroRows(values, N, out), release: () => {} };
    }
    const dense: Record<SparsePass, () => TensorInfo> = {
      forward: () => b.run('matmul', [x.dense, w], { transposeA: false, transposeB: true })[0],
      weightGrad: () => b.run('matmul', [dyDense, x.dense], { transposeA: true, transposeB: false })[0],
      inputGrad: () => b.run('matmul', [dyDense, w], { transposeA: false, transposeB: false })[0],
    };
    const sparse: Record<SparsePass, () => TensorInfo> = {
      forward: () => sparseLinearWasm(ctx, x.winners, operand(b, w), out),
      weightGrad: () => sparseLinearWeightGradWasm(ctx, dyRows!, x.winners),
      inputGrad: () => sparseLinearInputGradWasm(ctx, dyRows!, operand(b, w), x.winners),
    };
    if (path === 'sparse-cached') {
      if (pass !== 'forward') throw new Error('sparse-cached: only the forward reads cached panels');
      const packed = packLinearWeight(ctx, operand(b, w), out, inF);
      if (!packed) throw new Error('sparse-cached: no heap room for the packed weight');
      const run = () => sparseLinearWasm(ctx, x.winners, operand(b, w), out, packed);
      return fixture(b, run, null, () => { packed.release(); x.dispose(); dyDispose(); }, read);
    }
    const run = (path === 'dense' ? dense : sparse)[pass];
    return fixture(b, run, pass === 'inputGrad' && path === 'dense' ? x.mask : null, () => { x.dispose(); dyDispose(); }, read);
  }
  const { C, H, W, F, KH, KW, attrs, k } = layer;
  const xShape = [N, C, H, W], wShape = [F, C, KH, KW];
  const x = kwtaOf(b, N, C * H * W, k, gen);
  const xDense = { ...x.dense, shape: xShape };
  const w = x.up(uniform(F * C * KH * KW, gen), wShape);
  const [y0] = b.run('conv2d', [xDense, w], attrs);
  const yShape = [...y0.shape];
  b.free(y0.dataId);
  const dy = x.up(uniform(yShape.reduce((p, q) => p * q, 1), gen), yShape);
  const dense: Record<SparsePass, () => TensorInfo> = {
    forward: () => b.run('conv2d', [xDense, w], attrs)[0],
    weightGrad: () => b.run('conv2dBackwardFilter', [xDense, dy], { ...attrs, filterShape: wShape })[0],
    inputGrad: () => b.run('conv2dBackwardInput', [dy, w], { ...attrs, inputShape: xShape })[0],
  };
  const sparse: Record<SparsePass, () => TensorInfo> = {
    forward: () => sparseConv2dWasm(ctx, x.winners, xShape, operand(b, w), wShape, attrs),
    weightGrad: () => sparseConv2dBackwardFilterWasm(ctx, x.winners, xShape, operand(b, dy), wShape, attrs),
    inputGrad: () => sparseConv2dBackwardInputWasm(ctx, operand(b, dy), operand(b, w), wShape, x.winners, xShape, attrs),
  };
  if (path === 'sparse-cached') throw new Error('sparse-cached: a linear-layer contender');
  const run = (path === 'dense' ? dense : sparse)[pass];
  return fixture(b, run, pass === 'inputGrad' && path === 'dense' ? x.mask : null, x.dispose, read);
}

function fixture(b: WasmBackend, run: () => TensorInfo, mask: Uint8Array | null, dispose: () => void, read: (t: TensorInfo) => Float32Array): Fixture {
  return {
    run,
    outputs() {
      const t = run();
      const v = read(t);
      b.free(t.dataId);
      return [mask ? masked(v, mask) : v];
    },
    dispose,
  };
}

/** A contender running one path of one layer pass; its inputs are built from `seed`, the same for both paths. */
export function pathContender(layer: SparseLayer, pass: SparsePass, path: Path, seed: number): Contender {
  return {
    name: path,
    async prepare(): Promise<Prepared> {
      const b = wasmBackend();
      await b.ready;
      const f = build(layer, pass, path, seed);
      return {
        run() {
          b.free(f.run().dataId);
        },
        outputs: () => f.outputs(),
        dispose: () => f.dispose(),
      };
    },
  };
}

/**
 * The k-WTA of x [rows, cols] as the dense path computes it ('kwta': the selection mask and
 * where(mask, x, 0)) and the step the sparse path adds ('winners': the winners' indices and
 * values from that mask). Both report the dense k-WTA output (the winners densified, untimed).
 */
export function winnersContender(rows: number, cols: number, k: number, which: 'kwta' | 'winners', seed: number): Contender {
  return {
    name: which,
    async prepare(): Promise<Prepared> {
      const b = wasmBackend();
      await b.ready;
      const o = owner(b);
      const input = o.up(uniform(rows * cols, new Generator(seed)), [rows, cols]);
      const zero = o.up(new Float32Array(1), []);
      const [mask] = b.run('topkMask', [input], { k });
      o.own(mask);
      const kwta = () => {
        const [m] = b.run('topkMask', [input], { k });
        const [y] = b.run('where', [m, input, zero], {});
        b.free(m.dataId);
        return y;
      };
      const winners = () => extractWinnersWasm(wasmContext(b), operand(b, input), wasmContext(b).store.mask(mask.dataId), rows, cols, k);
      return {
        run() {
          if (which === 'kwta') b.free(kwta().dataId);
          else winners().release();
        },
        outputs() {
          const t = which === 'kwta' ? kwta() : (() => {
            const w = winners();
            const d = densifyWasm(wasmContext(b), w);
            w.release();
            return d;
          })();
          const v = b.read(t.dataId) as Float32Array;
          b.free(t.dataId);
          return [v];
        },
        dispose: () => o.dispose(),
      };
    },
  };
}
