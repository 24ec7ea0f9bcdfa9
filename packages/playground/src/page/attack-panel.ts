import { NETS, NET_LABEL, type AttackRequest, type AttackView, type DigitSource, type Net, type PathPoint } from '../protocol.js';
import { messageOf, type App } from './app.js';
import { byId, el, field, linkOutput, num, say, within } from './dom.js';
import { DrawingPad } from './draw.js';
import { formatNorm } from './format.js';
import { digitCanvas, heatmapCanvas, paintDigit } from './images.js';
import { Plot } from './plot.js';
import { changesSpec, logitPathSpec } from './specs.js';

interface LiveCharts {
  logits: Plot;
  changes: Plot;
  points: PathPoint[];
}

function resultBox(net: Net): HTMLElement {
  return within(byId('attack-results'), `[data-net="${net}"] .result`);
}

/** The charts one network's attack streams into; built when an attack starts. */
function liveCharts(net: Net, label: number): LiveCharts {
  const box = resultBox(net);
  const logits = el('div', { class: 'plot' });
  const changes = el('div', { class: 'plot' });
  const what = net === 'kwta' ? 'how many of its winners were replaced' : 'how many units switched on or off';
  box.replaceChildren(
    el('div', { class: 'summary' }, 'Attacking…'),
    el('figure', {}, logits, el('figcaption', {}, `The ten logits along the attack's path (the paper's Figure 3). The thick line is the true digit, ${label}; the attack wins when another line rises above it.`)),
    el('figure', {}, changes, el('figcaption', {}, `Per activation layer, ${what} from one point of the path to the next.`)),
  );
  return { logits: new Plot(logits, logitPathSpec(net, label)), changes: new Plot(changes, changesSpec(net)), points: [] };
}

function drawPoint(c: LiveCharts, layers: string[]): void {
  c.logits.set('path', c.points.flatMap((p) => p.logits.map((logit, k) => ({ step: p.step, logit, class: String(k) }))));
  c.changes.set('changes', c.points.slice(1).flatMap((p) => p.changed.map((changed, i) => ({ step: p.step, changed, layer: layers[i] ?? `layer ${i}` }))));
}

/** The verdict, the three images and the attack's cost for one network. */
function showResult(v: AttackView, eps: number, clean: ArrayLike<number>): void {
  const box = resultBox(v.net);
  const fooled = v.success && v.prediction !== v.label;
  const verdict = v.cleanPrediction !== v.label
    ? `Already wrong before the attack: reads ${v.cleanPrediction}.`
    : fooled
      ? `Fooled: now reads ${v.prediction} instead of ${v.label}.`
      : `Held: still reads ${v.label}.`;
  const kind = v.cleanPrediction !== v.label ? 'wrong' : fooled ? 'fooled' : 'held';
  const summary = el('p', { class: `verdict ${kind}`, 'data-field': 'verdict', 'data-prediction': String(v.prediction), 'data-success': String(v.success) }, verdict);
  // The exact final logits, for a test to compare with the Node engine's.
  summary.dataset.logits = JSON.stringify(v.path[v.path.length - 1]?.logits ?? []);
  const images = el('div', { class: 'images' },
    el('figure', {}, digitCanvas(clean, `the digit before the attack, a ${v.label}`), el('figcaption', {}, 'before')),
    el('figure', {}, digitCanvas(v.adversarial, `the attacked digit, which the ${NET_LABEL[v.net]} network reads as ${v.prediction}`), el('figcaption', {}, 'after')),
    el('figure', {}, heatmapCanvas(v.perturbation, eps, 'the change: red brightened, blue darkened'), el('figcaption', {}, 'change (red +, blue −)')),
  );
  const facts = el('p', { class: 'small', 'data-field': 'facts' },
    `Largest pixel change ${formatNorm(v.norm)} (ε = ${eps}); ${v.path.length} points on the path; ${v.forwards} forward and ${v.gradients} gradient passes; ${v.seconds.toFixed(2)} s.`);
  const old = box.querySelector('.summary');
  old?.replaceWith(el('div', { class: 'summary' }, summary, images, facts));
}

/** Attack panel: the digit (a test digit or a drawing), the attack, and both networks' results. */
export function mountAttackPanel(app: App): { currentDigit(): DigitSource } {
  const form = byId<HTMLFormElement>('attack-form');
  const message = byId('attack-message');
  const select = byId<HTMLSelectElement>('attack-select');
  const explain = byId('attack-explain');
  const runButton = byId<HTMLButtonElement>('attack-run');
  const attacks = app.ready().attacks;
  select.replaceChildren(...attacks.map((a) => el('option', { value: a.id }, a.label)));
  const showExplain = (): void => void (explain.textContent = attacks.find((a) => a.id === select.value)?.explain ?? '');
  select.addEventListener('change', showExplain);
  showExplain();
  linkOutput(form, 'eps', 'epsOut', (v) => v.toFixed(2));

  let drawn: Float32Array | null = null;
  const prediction = byId('draw-prediction');
  const pad = new DrawingPad(byId<HTMLCanvasElement>('draw-canvas'), (pixels) => {
    drawn = pixels;
    if (!pixels) {
      prediction.textContent = 'Draw a digit in the black square.';
      return;
    }
    (form.elements.namedItem('source') as RadioNodeList).value = 'drawn';
    app.engine().call('predict', { pixels: Array.from(pixels) })
      .then((p) => {
        prediction.textContent = NETS.map((net) => {
          const best = p[net].indexOf(Math.max(...p[net]));
          return `${NET_LABEL[net]} reads ${best} (${(100 * p[net][best]).toFixed(0)}% sure)`;
        }).join('; ');
      })
      .catch((err) => (prediction.textContent = messageOf(err)));
  });
  byId('draw-clear').addEventListener('click', () => pad.clear());

  const indexInput = form.elements.namedItem('index') as HTMLInputElement;
  const preview = (): void => {
    const index = Number(indexInput.value);
    app.engine().call('digits', { indices: [index] })
      .then((r) => {
        paintDigit(byId<HTMLCanvasElement>('test-preview'), r.pixels[0]);
        byId('test-preview-label').textContent = `test digit ${index}: a ${r.labels[0]}`;
        byId('test-preview').setAttribute('aria-label', `test digit ${index}, a ${r.labels[0]}`);
      })
      .catch((err) => (byId('test-preview-label').textContent = messageOf(err)));
  };
  indexInput.addEventListener('change', () => {
    (form.elements.namedItem('source') as RadioNodeList).value = 'test';
    preview();
  });
  preview();

  const currentDigit = (): DigitSource => {
    if (field(form, 'source') === 'drawn') {
      if (!drawn) throw new Error('Draw a digit first, or choose a test digit.');
      return { source: 'drawn', pixels: Array.from(drawn), label: num(form, 'drawnLabel') };
    }
    return { source: 'test', index: num(form, 'index') };
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    let req: AttackRequest;
    try {
      req = { digit: currentDigit(), attack: select.value, eps: num(form, 'eps'), steps: num(form, 'steps'), seed: num(form, 'seed') };
    } catch (err) {
      say(message, messageOf(err), true);
      return;
    }
    runButton.disabled = true;
    document.body.dataset.attack = 'running';
    say(message, `Running ${select.selectedOptions[0]?.textContent} on both networks…`);
    try {
      const d = req.digit;
      const { clean, label } = d.source === 'drawn'
        ? { clean: d.pixels, label: d.label }
        : await app.engine().call('digits', { indices: [d.index] }).then((r) => ({ clean: r.pixels[0], label: r.labels[0] }));
      const layers = app.ready().models;
      const charts = { relu: liveCharts('relu', label), kwta: liveCharts('kwta', label) };
      const results = await app.engine().call('attack', req, (p) => {
        charts[p.net].points.push(p);
        drawPoint(charts[p.net], layers[p.net].layers);
      });
      for (const net of NETS) {
        charts[net].points = results[net].path;
        drawPoint(charts[net], results[net].layers);
        showResult(results[net], req.eps, clean);
      }
      const outcome = (v: AttackView): string => (v.cleanPrediction !== v.label ? 'already wrong before the attack' : v.success ? 'fooled' : 'held');
      say(message, `Done. ${NETS.map((n) => `${NET_LABEL[n]}: ${outcome(results[n])}`).join('; ')}.`);
      document.body.dataset.attack = 'done';
    } catch (err) {
      say(message, messageOf(err), true);
      document.body.dataset.attack = 'failed';
    } finally {
      runButton.disabled = false;
    }
  });
  return { currentDigit };
}
