import type { BackendInfo, BackendKind, SpeedReport } from '../protocol.js';
import { messageOf, type App } from './app.js';
import { byId, field, say, within } from './dom.js';

function setFact(name: string, text: string): void {
  within(byId('backend-facts'), `[data-field="${name}"]`).textContent = text;
}

/** Show what runs the engine, in the panel and in the status line at the top. */
export function showBackend(info: BackendInfo): void {
  byId('backend-status').textContent = `Engine: ${info.label}${info.isolated ? '' : ' (one thread: the page is not cross-origin isolated)'}`;
  byId('backend-status').dataset.kind = info.kind;
  byId('backend-status').dataset.threads = String(info.threads);
  setFact('label', info.label);
  setFact('threads', String(info.threads));
  setFact('isolated', info.isolated ? 'yes (COOP and COEP headers sent)' : 'no (no COOP/COEP headers: one thread)');
  setFact('detail', info.detail);
  (within<HTMLInputElement>(byId('backend-form'), `input[value="${info.kind}"]`)).checked = true;
}

function showSpeed(r: SpeedReport): void {
  setFact('gflops', `${r.matmulGflops.toFixed(2)} GFLOP/s`);
  setFact('step', `${r.stepMs.relu.toFixed(0)} ms / ${r.stepMs.kwta.toFixed(0)} ms (batch of 64, the networks as configured now)`);
}

/** Backend panel: switch what runs the engine (the networks come along) and measure its speed. */
export function mountBackendPanel(app: App): void {
  const form = byId<HTMLFormElement>('backend-form');
  const message = byId('backend-message');
  const measure = byId<HTMLButtonElement>('backend-measure');
  showBackend(app.ready().backend);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const kind = field(form, 'backend') as BackendKind;
    say(message, 'Switching: saving both networks, restarting the engine, loading them back…');
    try {
      await app.switchBackend(kind);
      setFact('gflops', '–');
      setFact('step', '–');
      say(message, `Now running on ${app.ready().backend.label}.`);
    } catch (err) {
      say(message, messageOf(err), true);
    }
  });
  measure.addEventListener('click', async () => {
    measure.disabled = true;
    say(message, 'Measuring (a few matrix products and training steps)…');
    try {
      showSpeed(await app.engine().call('speed', {}));
      say(message, 'Measured on this device, just now.');
    } catch (err) {
      say(message, messageOf(err), true);
    } finally {
      measure.disabled = false;
    }
  });
}
