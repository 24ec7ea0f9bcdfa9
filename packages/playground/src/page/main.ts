/**
 * The page: starts the engine's Web Worker, mounts the six panels and keeps a clock ticking on
 * the page's own thread (if the engine ran here, the clock would stop while it computes).
 * URL parameters: `backend=wasm|cpu|webgl2` and `threads=N` choose what runs the engine.
 */
import { NETS, type BackendKind, type ModelSpec, type ReadyInfo } from '../protocol.js';
import { type App, messageOf } from './app.js';
import { mountAttackPanel } from './attack-panel.js';
import { mountBackendPanel, showBackend } from './backend-panel.js';
import { EngineClient } from './client.js';
import { byId, say } from './dom.js';
import { mountFigure1Panel } from './figure1-panel.js';
import { mountLandscapePanel } from './landscape-panel.js';
import { mountScoreboardPanel } from './scoreboard-panel.js';
import { mountTrainPanel, readTrainConfig } from './train-panel.js';

const BACKENDS: readonly BackendKind[] = ['wasm', 'cpu', 'webgl2'];

function startClock(): void {
  const out = byId<HTMLOutputElement>('clock');
  const t0 = performance.now();
  setInterval(() => (out.value = ((performance.now() - t0) / 1000).toFixed(1)), 100);
}

function newEngine(): EngineClient {
  const client = new EngineClient(new Worker(new URL('../worker/main.ts', import.meta.url), { type: 'module', name: 'kwta-engine' }));
  client.onFatal = (message) => say(byId('backend-status'), `Engine error: ${message}`, true);
  return client;
}

async function start(kind: BackendKind, threads: number | undefined, model: ModelSpec): Promise<{ engine: EngineClient; ready: ReadyInfo }> {
  const engine = newEngine();
  const status = byId('backend-status');
  const ready = await engine.call('init', { backend: kind, threads, model }, (p) => (status.textContent = `Loading the embedded MNIST digits: ${p.loaded} of ${p.of} files…`));
  showBackend(ready.backend);
  return { engine, ready };
}

async function main(): Promise<void> {
  startClock();
  const params = new URLSearchParams(location.search);
  const asked = params.get('backend');
  const kind: BackendKind = BACKENDS.includes(asked as BackendKind) ? (asked as BackendKind) : 'wasm';
  const threads = params.has('threads') ? Number(params.get('threads')) : undefined;
  let { engine, ready } = await start(kind, threads, readTrainConfig(byId<HTMLFormElement>('train-form')).model);
  let attack: { currentDigit(): ReturnType<App['currentDigit']> } | null = null;

  const app: App = {
    engine: () => engine,
    ready: () => ready,
    currentDigit: () => attack!.currentDigit(),
    modelsChanged(models) {
      ready = { ...ready, models: { ...ready.models, ...models } };
    },
    async switchBackend(next) {
      // The networks travel as safetensors bytes from the old engine to the new one.
      const saved = await Promise.all(NETS.map((net) => engine.call('save', { net })));
      const old = engine;
      const fresh = await start(next, threads, ready.models.relu.spec);
      old.terminate();
      engine = fresh.engine;
      ready = fresh.ready;
      for (const [i, net] of NETS.entries()) {
        const { info } = await engine.call('load', { net, bytes: saved[i].bytes, fileName: saved[i].fileName }, undefined, [saved[i].bytes.buffer as ArrayBuffer]);
        ready = { ...ready, models: { ...ready.models, [net]: info } };
      }
      const url = new URL(location.href);
      url.searchParams.set('backend', next);
      history.replaceState(null, '', url);
    },
  };

  mountTrainPanel(app);
  attack = mountAttackPanel(app);
  mountScoreboardPanel(app);
  mountFigure1Panel(app);
  mountLandscapePanel(app);
  mountBackendPanel(app);
  document.body.dataset.engine = 'ready';
}

main().catch((err) => {
  say(byId('backend-status'), `The engine could not start: ${messageOf(err)}`, true);
  document.body.dataset.engine = 'failed';
});
