import type { TopLevelSpec } from 'vega-lite';
import { NETS, NET_LABEL } from '../protocol.js';
import { messageOf, type App } from './app.js';
import { byId, num, say } from './dom.js';
import { Plot } from './plot.js';

/** Loss landscape panel: the paper's Figure 5 around the Attack panel's digit, both networks. */
export function mountLandscapePanel(app: App): void {
  const form = byId<HTMLFormElement>('landscape-form');
  const message = byId('landscape-message');
  const runButton = byId<HTMLButtonElement>('landscape-run');
  let plot: Plot | null = null;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    runButton.disabled = true;
    document.body.dataset.landscape = 'running';
    try {
      say(message, 'Computing the loss on the grid for both networks…');
      const view = await app.engine().call('landscape', { digit: app.currentDigit(), eps: num(form, 'eps'), size: num(form, 'size'), seed: 1 });
      plot?.finalize();
      plot = new Plot(byId('plot-landscape'), { ...(view.spec as TopLevelSpec), description: `Loss landscapes of both networks around a digit labelled ${view.label}` } as TopLevelSpec);
      await plot.show({});
      say(message, `${NETS.map((n) => `${NET_LABEL[n]}: roughness ${view.nets[n].roughness.toFixed(3)}, cliffs between ${(100 * view.nets[n].jumpFraction).toFixed(1)}% of neighbouring points`).join('; ')}. (${view.seconds.toFixed(1)} s)`);
      document.body.dataset.landscape = 'done';
    } catch (err) {
      say(message, messageOf(err), true);
      document.body.dataset.landscape = 'failed';
    } finally {
      runButton.disabled = false;
    }
  });
}
