import type { Figure1View } from '../protocol.js';
import { messageOf, type App } from './app.js';
import { byId, el, linkOutput, num, say } from './dom.js';
import { Plot } from './plot.js';
import { figure1Spec } from './specs.js';

type Point = { x: number; y: number };
const X_RANGE: [number, number] = [-1, 1];
const Y_RANGE: [number, number] = [-2, 2];
const clamp = (v: number, [lo, hi]: [number, number]): number => Math.min(hi, Math.max(lo, v));

/**
 * Figure 1 panel: the points can be dragged on the chart (pointer) or moved with the point
 * picker and its sliders (keyboard); every change, and every change of γ, refits both networks
 * in the worker. One fit runs at a time; changes made meanwhile are fitted next.
 */
export function mountFigure1Panel(app: App): void {
  const form = byId<HTMLFormElement>('figure1-form');
  const stats = byId('figure1-stats');
  const container = byId('plot-figure1');
  const plot = new Plot(container, figure1Spec());
  const start = (): Point[] => app.ready().figure1Points.map((p) => ({ ...p }));
  let points = start();
  let fitting: Promise<void> | null = null;
  let again = false;
  linkOutput(form, 'gamma', 'gammaOut', (v) => v.toFixed(2));
  const pick = form.elements.namedItem('point') as HTMLSelectElement;
  const xIn = form.elements.namedItem('x') as HTMLInputElement, yIn = form.elements.namedItem('y') as HTMLInputElement;
  const xOut = form.elements.namedItem('xOut') as HTMLOutputElement, yOut = form.elements.namedItem('yOut') as HTMLOutputElement;

  const syncPicker = (): void => {
    const i = Number(pick.value) || 0;
    pick.replaceChildren(...points.map((_, k) => el('option', { value: String(k) }, `point ${k + 1}`)));
    pick.value = String(i);
    xIn.value = String(points[i].x);
    yIn.value = String(points[i].y);
    xOut.value = points[i].x.toFixed(2);
    yOut.value = points[i].y.toFixed(2);
  };

  const show = (view: Figure1View | null): void => {
    plot.set('points', points.slice());
    if (!view) return;
    plot.set('target', view.target);
    plot.set('fits', [...view.kwta.curve.map((p) => ({ ...p, net: 'k-WTA' })), ...view.relu.curve.map((p) => ({ ...p, piece: -1, net: 'ReLU' }))]);
    plot.set('jumps', view.kwta.discontinuities);
    say(stats,
      `k-WTA fit: ${view.kwta.discontinuities.length} jumps among ${view.kwta.patternChanges} changes of its winners, training error ${view.kwta.trainMse.toExponential(1)}. ` +
      `ReLU fit: ${view.relu.discontinuities.length} jumps among ${view.relu.patternChanges} pattern changes, training error ${view.relu.trainMse.toExponential(1)}. ` +
      `(${view.seconds.toFixed(1)} s)`);
    stats.dataset.jumps = String(view.kwta.discontinuities.length);
  };

  const fit = async (): Promise<void> => {
    if (fitting) {
      again = true;
      return fitting;
    }
    fitting = (async () => {
      do {
        again = false;
        say(stats, 'Fitting both networks…');
        try {
          const view = await app.engine().call('figure1', { points: points.slice(), gamma: num(form, 'gamma'), width: num(form, 'width'), steps: num(form, 'steps'), seed: 1 });
          show(view);
        } catch (err) {
          say(stats, messageOf(err), true);
        }
      } while (again);
      fitting = null;
    })();
    return fitting;
  };

  const move = (i: number, p: Point, refit: boolean): void => {
    points[i] = { x: clamp(p.x, X_RANGE), y: clamp(p.y, Y_RANGE) };
    pick.value = String(i);
    syncPicker();
    show(null);
    if (refit) void fit();
  };

  // Dragging: a point of the chart is picked on pointerdown; the pointer's position is turned
  // into data coordinates through the chart's own scales.
  let dragging = -1;
  plot.view.addEventListener('pointerdown', (event, item) => {
    const d = (item as { datum?: Point } | null | undefined)?.datum;
    const i = d ? points.findIndex((p) => p.x === d.x && p.y === d.y) : -1;
    if (i < 0) return;
    dragging = i;
    (event as PointerEvent).preventDefault();
  });
  const toData = (e: PointerEvent): Point => {
    const svg = container.querySelector('svg')!.getBoundingClientRect();
    const [ox, oy] = plot.view.origin();
    return { x: plot.view.scale('x').invert(e.clientX - svg.left - ox), y: plot.view.scale('y').invert(e.clientY - svg.top - oy) };
  };
  window.addEventListener('pointermove', (e) => {
    if (dragging >= 0) move(dragging, toData(e), false);
  });
  window.addEventListener('pointerup', () => {
    if (dragging < 0) return;
    dragging = -1;
    void fit();
  });

  pick.addEventListener('change', syncPicker);
  xIn.addEventListener('input', () => move(Number(pick.value), { x: Number(xIn.value), y: points[Number(pick.value)].y }, false));
  yIn.addEventListener('input', () => move(Number(pick.value), { x: points[Number(pick.value)].x, y: Number(yIn.value) }, false));
  for (const c of [xIn, yIn, form.elements.namedItem('gamma') as HTMLInputElement]) c.addEventListener('change', () => void fit());
  for (const name of ['width', 'steps']) (form.elements.namedItem(name) as HTMLSelectElement).addEventListener('change', () => void fit());
  byId('figure1-fit').addEventListener('click', () => void fit());
  byId('figure1-reset').addEventListener('click', () => {
    points = start();
    syncPicker();
    void fit();
  });
  syncPicker();
  show(null);
  // The first fit waits until the panel is on screen: it costs a few seconds of the engine's time.
  const seen = new IntersectionObserver((entries) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    seen.disconnect();
    void fit();
  });
  seen.observe(container);
}
