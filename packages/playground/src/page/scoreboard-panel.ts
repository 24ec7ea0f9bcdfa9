import type { EvaluationReport, MaskingCheck } from '@kwta/attacks';
import { NETS, NET_LABEL, type Net, type ScoreboardView } from '../protocol.js';
import { messageOf, type App } from './app.js';
import { byId, el, num } from './dom.js';
import { pct } from './format.js';
import { Plot } from './plot.js';
import { sweepSpec } from './specs.js';

/** The masking checks in plain words (names as the attacks harness reports them). */
const CHECK_TEXT: Record<MaskingCheck['name'], string> = {
  'accuracy-falls-with-eps': 'Accuracy falls as ε grows, to about 0 when ε covers the whole image',
  'stronger-attack-not-weaker': 'A stronger version of each attack (more steps, restarts or queries) does not do worse',
  'white-box-beats-black-box': 'No adaptive, transfer or gradient-free attack beats plain white-box PGD',
};

/**
 * The harness lists the chosen attacks first, then the stronger variants its checks ran (which
 * also count towards the worst case).
 */
function accuracyTable(reports: Record<Net, EvaluationReport>, chosen: number): HTMLTableElement {
  const names = [...new Set(NETS.flatMap((n) => reports[n].attacks.map((a) => a.name)))];
  const section = (text: string): HTMLTableRowElement => el('tr', { class: 'section' }, el('th', { scope: 'rowgroup', colspan: String(NETS.length + 1) }, text));
  const cell = (net: Net, name: string): string => {
    const a = reports[net].attacks.find((x) => x.name === name);
    return a ? pct(a.accuracy) : '–';
  };
  const row = (label: string, values: string[], strong = false): HTMLTableRowElement =>
    el('tr', {}, el(strong ? 'th' : 'td', strong ? { scope: 'row' } : {}, label), ...values.map((v) => el('td', { class: 'num' }, v)));
  return el('table', { 'data-field': 'accuracy' },
    el('caption', {}, 'Accuracy on the digits (higher means more robust)'),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'attack'), ...NETS.map((n) => el('th', { scope: 'col', class: 'num' }, NET_LABEL[n])))),
    el('tbody', {},
      row('no attack (clean)', NETS.map((n) => pct(reports[n].cleanAccuracy))),
      ...names.slice(0, chosen).map((name) => row(name, NETS.map((n) => cell(n, name)))),
      ...(names.length > chosen ? [section('stronger versions, run by the masking checks')] : []),
      ...names.slice(chosen).map((name) => row(name, NETS.map((n) => cell(n, name)))),
      row('worst case: robust to every attack', NETS.map((n) => pct(reports[n].robustAccuracy)), true),
    ),
  );
}

function checksTable(reports: Record<Net, EvaluationReport>): HTMLTableElement {
  const names = Object.keys(CHECK_TEXT) as MaskingCheck['name'][];
  const verdict = (net: Net, name: MaskingCheck['name']): HTMLElement => {
    const c = reports[net].checks.find((x) => x.name === name);
    if (!c) return el('td', {}, 'not run');
    return el('td', {}, el('span', { class: c.passed ? 'pass' : 'fail' }, c.passed ? 'passed' : 'FAILED'), ` ${c.detail}`);
  };
  return el('table', { 'data-field': 'checks' },
    el('caption', {}, 'Gradient-masking checks'),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'check'), ...NETS.map((n) => el('th', { scope: 'col' }, NET_LABEL[n])))),
    el('tbody', {}, ...names.map((name) => el('tr', {}, el('th', { scope: 'row' }, CHECK_TEXT[name]), ...NETS.map((n) => verdict(n, name))))),
  );
}

/** One chip per digit: its label, green if no attack broke it, red otherwise. */
function robustStrip(net: Net, report: EvaluationReport, labels: number[]): HTMLElement {
  return el('div', {},
    el('h3', {}, `${NET_LABEL[net]}: digit by digit (green: survived every attack)`),
    el('div', { class: 'strip', role: 'list' }, ...report.robust.map((ok, i) =>
      el('span', { role: 'listitem', class: ok ? 'robust' : 'broken', title: `digit ${i}: a ${labels[i]}, ${ok ? 'robust' : 'broken'}` }, String(labels[i])))),
  );
}

function sweepValues(view: ScoreboardView): object[] {
  return NETS.flatMap((net) => {
    const c = view.reports[net].checks.find((x) => x.name === 'accuracy-falls-with-eps');
    const eps = (c?.data.eps ?? []) as (number | null)[], acc = (c?.data.accuracy ?? []) as (number | null)[];
    return eps.map((e, i) => ({ net: NET_LABEL[net], eps: e, accuracy: acc[i] })).filter((p) => p.eps !== null);
  });
}

/** Scoreboard panel: every chosen attack on a batch of test digits, through the attacks harness. */
export function mountScoreboardPanel(app: App): void {
  const form = byId<HTMLFormElement>('scoreboard-form');
  const box = byId('scoreboard-attacks');
  for (const a of app.ready().attacks) box.append(el('label', {}, el('input', { type: 'checkbox', name: 'attack', value: a.id, checked: '' }), ` ${a.label}`));
  const bar = byId<HTMLProgressElement>('scoreboard-progress');
  const barText = byId<HTMLOutputElement>('scoreboard-progress-text');
  const results = byId('scoreboard-results');
  const runButton = byId<HTMLButtonElement>('scoreboard-run');
  const plot = new Plot(byId('plot-sweep'), sweepSpec());

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const attacks = [...form.querySelectorAll<HTMLInputElement>('input[name="attack"]:checked')].map((c) => c.value);
    if (attacks.length === 0) {
      barText.value = 'Tick at least one attack.';
      return;
    }
    runButton.disabled = true;
    document.body.dataset.scoreboard = 'running';
    try {
      const view = await app.engine().call('scoreboard', { examples: num(form, 'examples'), eps: num(form, 'eps'), steps: num(form, 'steps'), attacks, seed: 1 }, (p) => {
        bar.max = p.total;
        bar.value = p.done;
        barText.value = `${NET_LABEL[p.net]}: ${p.stage === 'check' ? 'masking check, ' : ''}${p.name} ${p.done}/${p.total}${p.status ? ` · ${p.status}` : ''}`;
      });
      results.replaceChildren(
        accuracyTable(view.reports, attacks.length),
        checksTable(view.reports),
        ...NETS.map((n) => robustStrip(n, view.reports[n], view.labels)),
        el('p', { class: 'small' }, ...NETS.flatMap((n) => view.reports[n].flags.length ? [`${NET_LABEL[n]} flags: ${view.reports[n].flags.join(' · ')}. `] : [`${NET_LABEL[n]}: no flags. `])),
      );
      await plot.show({ sweep: sweepValues(view) });
      barText.value = `done in ${view.seconds.toFixed(1)} s`;
      document.body.dataset.scoreboard = 'done';
    } catch (err) {
      barText.value = `failed: ${messageOf(err)}`;
      document.body.dataset.scoreboard = 'failed';
    } finally {
      runButton.disabled = false;
    }
  });
}
