import { NETS, NET_LABEL, type EpochResult, type Net, type NetTick, type TrainConfig, type TrainEvent } from '../protocol.js';
import { messageOf, type App } from './app.js';
import { byId, el, field, linkOutput, num, say, within } from './dom.js';
import { formatAccuracy, formatLoss } from './format.js';
import { Plot } from './plot.js';
import { trainingSpec } from './specs.js';

/** Exponential moving averages of a batch's loss and accuracy, for curves that read at a glance. */
class Smoother {
  private n = 0;
  private v = [0, 0];

  add(...values: number[]): number[] {
    // The first values weigh more until enough batches are in (a bias-corrected average).
    const a = Math.max(0.15, 1 / ++this.n);
    this.v = this.v.map((old, i) => old + a * (values[i] - old));
    return this.v;
  }
}

function setNumber(net: Net, name: string, text: string, exact?: number): void {
  const dd = within<HTMLElement>(byId('train-numbers'), `[data-net="${net}"] [data-field="${name}"]`);
  dd.textContent = text;
  if (exact !== undefined) dd.dataset.exact = String(exact);
}

export function readTrainConfig(form: HTMLFormElement): TrainConfig {
  return {
    model: { arch: field(form, 'arch') as TrainConfig['model']['arch'], hidden: num(form, 'hidden'), gamma: num(form, 'gamma'), seed: num(form, 'seed') },
    epochs: num(form, 'epochs'),
    trainSize: num(form, 'trainSize'),
    testSize: num(form, 'testSize'),
    batchSize: num(form, 'batchSize'),
    lr: num(form, 'lr'),
    seed: num(form, 'seed'),
  };
}

const NUMBERS: [field: string, label: string][] = [
  ['loss', 'loss (epoch mean)'], ['trainAccuracy', 'train accuracy (epoch)'], ['testAccuracy', 'test accuracy'], ['ms', 'time per step'],
];

/** Each network's numbers, and its save button and load picker, side by side. */
function buildNetBlocks(): void {
  byId('train-numbers').replaceChildren(...NETS.map((net) => el('div', { class: `net ${net}`, 'data-net': net },
    el('h3', {}, NET_LABEL[net]),
    el('dl', {}, ...NUMBERS.flatMap(([field, label]) => [el('dt', {}, label), el('dd', { 'data-field': field }, '–')])))));
  byId('train-files').replaceChildren(...NETS.map((net) => el('div', {},
    el('button', { type: 'button', 'data-save': net }, `Save the ${NET_LABEL[net]} network`),
    el('label', { class: 'file' }, `Load into ${NET_LABEL[net]} `, el('input', { type: 'file', 'data-load': net, accept: '.safetensors,application/octet-stream' })))));
}

/** Train panel: the form, live numbers and curves, pause/resume/stop, save and load. */
export function mountTrainPanel(app: App): void {
  buildNetBlocks();
  const form = byId<HTMLFormElement>('train-form');
  const start = byId<HTMLButtonElement>('train-start');
  const pause = byId<HTMLButtonElement>('train-pause');
  const stop = byId<HTMLButtonElement>('train-stop');
  const bar = byId<HTMLProgressElement>('train-progress');
  const barText = byId<HTMLOutputElement>('train-progress-text');
  linkOutput(form, 'gamma', 'gammaOut', (v) => v.toFixed(2));
  const lossPlot = new Plot(byId('plot-loss'), trainingSpec('loss', 'Training loss of the ReLU and the k-WTA network against the training step'));
  const accPlot = new Plot(byId('plot-accuracy'), trainingSpec('accuracy', 'Training accuracy (lines) and test accuracy after each epoch (dots) of both networks'));
  let paused = false;

  const showTick = (net: Net, t: NetTick): void => {
    setNumber(net, 'loss', formatLoss(t.loss), t.loss);
    setNumber(net, 'trainAccuracy', formatAccuracy(t.accuracy), t.accuracy);
    setNumber(net, 'ms', `${t.msPerStep.toFixed(0)} ms`);
  };
  const showEpoch = (net: Net, r: EpochResult): void => {
    setNumber(net, 'loss', formatLoss(r.loss), r.loss);
    setNumber(net, 'trainAccuracy', formatAccuracy(r.trainAccuracy), r.trainAccuracy);
    setNumber(net, 'testAccuracy', formatAccuracy(r.testAccuracy), r.testAccuracy);
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const config = readTrainConfig(form);
    const losses: object[] = [], accs: object[] = [], epochs: object[] = [];
    const smooth = { relu: new Smoother(), kwta: new Smoother() };
    let lastStep = 0;
    for (const net of NETS) for (const [f] of NUMBERS) setNumber(net, f, '–');
    void lossPlot.show({ series: [] });
    void accPlot.show({ series: [], epochs: [] });
    start.disabled = true;
    pause.disabled = false;
    stop.disabled = false;
    paused = false;
    pause.textContent = 'Pause';
    bar.value = 0;
    barText.value = 'starting…';
    document.body.dataset.training = 'running';
    const onEvent = (ev: TrainEvent): void => {
      if (ev.type === 'step') {
        lastStep = ev.step;
        bar.max = ev.steps;
        bar.value = ev.step;
        barText.value = `step ${ev.step} of ${ev.steps} (epoch ${ev.epoch + 1} of ${config.epochs})`;
        for (const net of NETS) {
          showTick(net, ev.nets[net]);
          const [loss, acc] = smooth[net].add(ev.nets[net].batchLoss, ev.nets[net].batchAccuracy);
          losses.push({ step: ev.step, net: NET_LABEL[net], value: loss });
          accs.push({ step: ev.step, net: NET_LABEL[net], value: acc });
        }
        lossPlot.set('series', losses.slice());
        accPlot.set('series', accs.slice());
      } else if (ev.type === 'epoch') {
        for (const net of NETS) {
          showEpoch(net, ev.nets[net]);
          epochs.push({ step: lastStep, net: NET_LABEL[net], value: ev.nets[net].testAccuracy });
        }
        accPlot.set('epochs', epochs.slice());
      } else {
        barText.value = ev.paused ? `paused at step ${lastStep}` : barText.value;
      }
    };
    app.engine().call('train', config, onEvent)
      .then((summary) => {
        barText.value = summary.stopped ? `stopped after ${lastStep} of ${summary.steps} steps` : `done: ${summary.steps} steps`;
        document.body.dataset.training = summary.stopped ? 'stopped' : 'done';
        app.modelsChanged(summary.models);
      })
      .catch((err) => {
        barText.value = `failed: ${messageOf(err)}`;
        document.body.dataset.training = 'failed';
      })
      .finally(() => {
        start.disabled = false;
        pause.disabled = true;
        stop.disabled = true;
      });
  });

  pause.addEventListener('click', () => {
    paused = !paused;
    pause.textContent = paused ? 'Resume' : 'Pause';
    void app.engine().call(paused ? 'pause' : 'resume', {}).catch((err) => say(byId('file-message'), messageOf(err), true));
  });
  stop.addEventListener('click', () => {
    void app.engine().call('stop', {}).catch((err) => say(byId('file-message'), messageOf(err), true));
  });

  mountFiles(app);
}

/** Save a network to the user's downloads; load one from a file the user picks. */
function mountFiles(app: App): void {
  const message = byId('file-message');
  for (const net of NETS) {
    within<HTMLButtonElement>(document, `[data-save="${net}"]`).addEventListener('click', async () => {
      try {
        const { bytes, fileName } = await app.engine().call('save', { net });
        const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
        const a = document.createElement('a');
        a.href = url;
        a.download = fileName;
        a.click();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
        say(message, `Saved the ${NET_LABEL[net]} network as ${fileName} (${(bytes.length / 1024).toFixed(0)} KiB).`);
      } catch (err) {
        say(message, messageOf(err), true);
      }
    });
    const input = within<HTMLInputElement>(document, `[data-load="${net}"]`);
    input.addEventListener('change', async () => {
      const file = input.files?.[0];
      if (!file) return;
      try {
        const bytes = new Uint8Array(await file.arrayBuffer());
        const { info, message: text } = await app.engine().call('load', { net, bytes, fileName: file.name }, undefined, [bytes.buffer]);
        say(message, text);
        app.modelsChanged({ [net]: info });
      } catch (err) {
        const why = messageOf(err);
        say(message, `Not loaded: ${why}${why.endsWith('.') ? '' : '.'} Nothing was changed.`, true);
      } finally {
        input.value = '';
      }
    });
  }
}
