// Training scenarios shared by the Node tests and the Chromium page (test/browser/entry.ts).
import { Generator, tensor, tidy, type Backend, type Tensor } from '@kwta/core';
import * as ops from '@kwta/core';
import { makeTrainer, withBackend } from '@kwta/core/testing';
import { ContextLostError, type GpuJsBackend } from '../src/index.js';

export interface Trainer {
  step(): number;
  params: Tensor[];
  inputs: Tensor[];
  dispose(): void;
}

/**
 * A k-WTA MLP (784 -> 256 -> k-WTA -> 10) on a fixed random batch of 32, trained by SGD: its first
 * weight matrix (200 704 elements) and activations span several textures when the texture side
 * is forced to 256 (65 025 elements), so every kernel of a training step runs cut into pieces.
 */
export function makeWideTrainer(seed = 11): Trainer {
  const g = new Generator(seed);
  const w1 = ops.randn([784, 256], g, { std: 0.05 }).requireGrad().keep();
  const w2 = ops.randn([256, 10], g, { std: 0.1 }).requireGrad().keep();
  const x = ops.randn([32, 784], g).keep();
  const labels = ops.randint([32, 1], 0, 10, g).keep();
  const step = () => tidy(() => {
    const h = ops.kWinners(ops.matmul(x, w1), 26);
    const loss = ops.neg(ops.mean(ops.takeAlong(ops.logSoftmax(ops.matmul(h, w2)), labels)));
    loss.backward();
    for (const p of [w1, w2]) {
      p.assign(p.sub(p.grad!.mul(0.1)));
      p.zeroGrad();
    }
    return loss.item();
  });
  return { step, params: [w1, w2], inputs: [x, labels], dispose: () => [w1, w2, x, labels].forEach((t) => t.dispose()) };
}

/** Losses of `steps` SGD steps of a fresh trainer on `backend`, and its live device buffers after each. */
export function trainOn(backend: Backend & { liveTextures?: number }, make: () => Trainer, steps: number): { losses: number[]; textures: number[] } {
  return withBackend(backend, () => {
    const trainer = make();
    const losses: number[] = [], textures: number[] = [];
    for (let i = 0; i < steps; i++) {
      losses.push(trainer.step());
      textures.push(backend.liveTextures ?? 0);
    }
    trainer.dispose();
    return { losses, textures };
  });
}

export interface ContextLossReport {
  /** What the step right after the loss raised (name: message), or 'nothing'. */
  stepAfterLoss: string;
  stepAfterLossIsContextLost: boolean;
  msToError: number;
  lostFlag: boolean;
  /** What reading a tensor made before the loss raised, after recovery. */
  oldTensorRead: string;
  recovered: boolean;
  /** Loss of the step run from the checkpoint before the loss, and of the same step after recovery. */
  lossAtCheckpoint: number;
  lossAfterRecovery: number;
  lossesAfter: number[];
  texturesAfter: number[];
  recoveries: number;
}

/**
 * Lose the WebGL context on purpose (WEBGL_lose_context) in the middle of training: the next
 * step must raise ContextLostError at once (no hang, no garbage), tensors of the old context must
 * say they are lost, and after `recover()` plus restoring the parameters from a host checkpoint,
 * training continues where it was.
 */
export function contextLossScenario(backend: GpuJsBackend): ContextLossReport {
  return withBackend(backend, () => {
    const trainer = makeTrainer();
    for (let i = 0; i < 5; i++) trainer.step();
    const all = [...trainer.params, ...trainer.inputs];
    const checkpoint = all.map((t) => ({ values: t.dataSync().slice(), shape: [...t.shape], dtype: t.dtype }));
    const lossAtCheckpoint = trainer.step();
    // The step above moved the parameters on; put the checkpoint back so both runs start equal.
    const restore = () => tidy(() => all.forEach((t, i) => t.assign(tensor(checkpoint[i].values, checkpoint[i].shape, checkpoint[i].dtype))));
    restore();
    const lose = backend.context!.getExtension('WEBGL_lose_context')!;
    lose.loseContext();
    const t0 = performance.now();
    let stepAfterLoss = 'nothing', stepAfterLossIsContextLost = false;
    try {
      trainer.step();
    } catch (e) {
      stepAfterLoss = `${(e as Error).name}: ${(e as Error).message}`;
      stepAfterLossIsContextLost = e instanceof ContextLostError;
    }
    const msToError = performance.now() - t0;
    const lostFlag = backend.contextLost;
    const recovered = backend.recover();
    let oldTensorRead = 'nothing';
    try {
      trainer.params[0].dataSync();
    } catch (e) {
      oldTensorRead = `${(e as Error).name}: ${(e as Error).message}`;
    }
    restore();
    const lossesAfter: number[] = [], texturesAfter: number[] = [];
    for (let i = 0; i < 10; i++) {
      lossesAfter.push(trainer.step());
      texturesAfter.push(backend.liveTextures);
    }
    trainer.dispose();
    return {
      stepAfterLoss, stepAfterLossIsContextLost, msToError, lostFlag, oldTensorRead, recovered,
      lossAtCheckpoint, lossAfterRecovery: lossesAfter[0], lossesAfter, texturesAfter, recoveries: backend.recoveries,
    };
  });
}
