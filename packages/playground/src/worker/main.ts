/**
 * The engine's Web Worker: every computation of the playground runs here, so the page's thread
 * only draws. Calls arrive as `RequestMessage`s and are answered through the handler table below,
 * which the compiler checks covers every call of the protocol. Training yields to the event loop
 * after every step, so pause, resume and stop (and any other call) are answered while it runs.
 */
import { ValueError } from '@kwta/core';
import { NETS, type CallName, type Calls, type RequestMessage, type ResponseMessage, type TrainSummary } from '../protocol.js';
import { argmax, attackDigit, logitsOf } from '../engine/attack-run.js';
import { startBackend } from '../engine/backend.js';
import { ATTACK_CHOICES, ATTACK_IDS } from '../engine/attacks.js';
import { figure1StartPoints, fitFigure1 } from '../engine/figure1.js';
import { landscapes } from '../engine/landscape.js';
import { decodeModelFile, encodeModelFile, modelFileName } from '../engine/model-file.js';
import { scoreboard } from '../engine/scoreboard.js';
import { matmulGflops, stepMs } from '../engine/speed.js';
import { PairTrainer } from '../engine/trainer.js';
import { DIGIT_URLS } from './digit-urls.js';
import { EngineState, fetchDigits } from './engine-state.js';
import { nextTask } from './yield.js';

interface WorkerScope {
  postMessage(message: ResponseMessage, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<RequestMessage>) => void) | null;
  addEventListener(type: 'unhandledrejection', fn: (e: PromiseRejectionEvent) => void): void;
}
const scope = self as unknown as WorkerScope;

type Handler<K extends CallName> = (args: Calls[K]['args'], progress: (p: Calls[K]['progress']) => void) => Calls[K]['result'] | Promise<Calls[K]['result']>;

/** A training run in progress: flags the control calls set and the loop reads between steps. */
interface Run {
  paused: boolean;
  stop: boolean;
  wake: (() => void) | null;
}

let state: EngineState | null = null;
let run: Run | null = null;

function engine(): EngineState {
  if (!state) throw new ValueError('the engine has not started yet (init first)');
  return state;
}

function control(): Run {
  if (!run) throw new ValueError('no training is running');
  return run;
}

const handlers: { [K in CallName]: Handler<K> } = {
  async init({ backend, threads, model }, progress) {
    if (state) throw new ValueError('the engine has already started');
    const started = await startBackend(backend, threads);
    const sets = await fetchDigits(DIGIT_URLS, (loaded, of) => progress({ loaded, of }));
    state = new EngineState(started, sets, model);
    return {
      backend: started.info, trainDigits: sets.train.shape[0], testDigits: sets.test.shape[0], models: state.info(),
      attacks: ATTACK_IDS.map((id) => ({ id, label: ATTACK_CHOICES[id].label, explain: ATTACK_CHOICES[id].explain })),
      figure1Points: figure1StartPoints(),
    };
  },

  async train(config, progress) {
    if (run) throw new ValueError('already training: pause, resume or stop it first');
    const s = engine();
    s.rebuild(config.model);
    const trainer = new PairTrainer(s.models, s.sets.train, s.sets.test, config);
    const current: Run = { paused: false, stop: false, wake: null };
    run = current;
    try {
      while (!trainer.finished && !current.stop) {
        if (current.paused) {
          progress({ type: 'paused', paused: true });
          await new Promise<void>((resolve) => (current.wake = resolve));
          current.wake = null;
          progress({ type: 'paused', paused: false });
          continue;
        }
        const r = trainer.step();
        progress({ type: 'step', step: r.step, steps: r.steps, epoch: r.epoch, nets: r.nets });
        if (r.epochResult) progress({ type: 'epoch', epoch: r.epoch, nets: r.epochResult });
        await nextTask();
      }
    } finally {
      run = null;
      trainer.dispose();
      for (const net of NETS) s.models[net].eval();
    }
    const history = trainer.history;
    const summary: TrainSummary = {
      stopped: current.stop,
      steps: trainer.steps,
      epochs: history.map((h) => NETS.map((net) => h[net])),
      final: history.length ? history[history.length - 1] : null,
      models: s.info(),
    };
    return summary;
  },

  pause() {
    control().paused = true;
    return { paused: true };
  },

  resume() {
    const r = control();
    r.paused = false;
    r.wake?.();
    return { paused: false };
  },

  stop() {
    const r = control();
    r.stop = true;
    r.paused = false;
    r.wake?.();
    return { stopping: true };
  },

  save({ net }) {
    const s = engine();
    return { bytes: encodeModelFile(s.models[net], net, s.specs[net]), fileName: modelFileName(net, s.specs[net]) };
  },

  load({ net, bytes, fileName }) {
    if (run) throw new ValueError('stop the training before loading a network');
    const s = engine();
    const { model, spec, message } = decodeModelFile(bytes, fileName, net, s.specs[net]);
    s.replace(net, model, spec);
    return { net, info: s.info()[net], message };
  },

  digits({ indices }) {
    const s = engine();
    const picked = indices.map((index) => s.digit({ source: 'test', index }));
    return { pixels: picked.map((p) => Array.from(p.pixels)), labels: picked.map((p) => p.label) };
  },

  predict({ pixels }) {
    const s = engine();
    const { pixels: checked } = s.digit({ source: 'drawn', pixels, label: 0 });
    return { relu: softmax(logitsOf(s.models.relu, checked)), kwta: softmax(logitsOf(s.models.kwta, checked)) };
  },

  attack(req, progress) {
    const s = engine();
    const { pixels, label } = s.digit(req.digit);
    const out = {} as Calls['attack']['result'];
    for (const net of NETS) {
      out[net] = attackDigit(s.models[net], net, pixels, label, req.attack, { eps: req.eps, steps: req.steps }, req.seed, progress);
    }
    return out;
  },

  scoreboard(req, progress) {
    const s = engine();
    return scoreboard(s.models, s.sets.test, req, progress);
  },

  figure1(req, progress) {
    return fitFigure1(req, progress);
  },

  landscape({ digit, eps, size, seed }) {
    const s = engine();
    const { pixels, label } = s.digit(digit);
    return landscapes(s.models, pixels, label, eps, size, seed);
  },

  speed() {
    const s = engine();
    return { backend: s.backend.info, matmulGflops: matmulGflops(), stepMs: stepMs(s.specs.kwta, s.sets.test) };
  },
};

function softmax(z: number[]): number[] {
  const m = z[argmax(z)];
  const e = z.map((v) => Math.exp(v - m));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** Byte buffers in a result travel without a copy. */
function transferables(data: unknown): Transferable[] {
  const bytes = (data as { bytes?: unknown } | null)?.bytes;
  return bytes instanceof Uint8Array ? [bytes.buffer as ArrayBuffer] : [];
}

async function dispatch<K extends CallName>(msg: RequestMessage<K>): Promise<void> {
  const { id, call, args } = msg;
  try {
    const handler = handlers[call] as Handler<K> | undefined;
    if (!handler) throw new ValueError(`unknown call '${String(call)}'`);
    const result = await handler(args, (data) => scope.postMessage({ id, kind: 'progress', data }));
    scope.postMessage({ id, kind: 'result', data: result }, transferables(result));
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    scope.postMessage({ id, kind: 'error', error: { name: err.name, message: err.message } });
  }
}

scope.onmessage = (e) => void dispatch(e.data);
scope.addEventListener('unhandledrejection', (e) => {
  scope.postMessage({ id: -1, kind: 'error', error: { name: 'UnhandledRejection', message: String(e.reason) } });
});
