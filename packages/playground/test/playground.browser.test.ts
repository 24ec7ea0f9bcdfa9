import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Generator, randn } from '@kwta/core';
import { encodeSafetensors } from '@kwta/nn';
import { serveStatic } from '../scripts/serve.mjs';
import { NETS, type Net, type TrainConfig } from '../src/protocol.js';
import { formatAccuracy, formatLoss, formatNorm } from '../src/page/format.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumPresent } from './helpers/chromium.js';
import { nodeReference, type AttackCase, type Reference } from './helpers/reference.js';

/**
 * The built page (dist/, what a static host serves) in Debian's Chromium: it trains, attacks and
 * fills every panel, and the numbers it shows are the Node engine's for the same seeds, on the
 * same backend kind (WebAssembly with 2 threads). Screenshots of each panel go to
 * test-artifacts/ (gitignored).
 */
const DIST = fileURLToPath(new URL('../dist', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts', import.meta.url));
const THREADS = 2;

// One short epoch on a subset, a small CNN: 16 steps.
const TRAIN: TrainConfig = {
  model: { arch: 'cnn', hidden: 32, gamma: 0.1, seed: 1 },
  epochs: 1, trainSize: 1000, testSize: 100, batchSize: 64, lr: 0.01, seed: 1,
};
// On the first test digit both trained networks read correctly (so every attack has work to do).
const CASES: AttackCase[] = [
  { attack: 'pgd', eps: 0.3, steps: 5, seed: 1 },
  { attack: 'bpda', eps: 0.3, steps: 5, seed: 1 },
];

interface Problems {
  errors: string[];
}

/** A page that records console errors, page errors (unhandled rejections included) and long tasks. */
async function openPage(browser: Browser, url: string): Promise<{ page: Page; problems: Problems }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const problems: Problems = { errors: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') problems.errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.errors.push(`pageerror: ${String(e)}`));
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: { start: number; duration: number }[]; __ticks: number[] };
    w.__longTasks = [];
    w.__ticks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    setInterval(() => w.__ticks.push(performance.now()), 20);
  });
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.engine, null, { timeout: 60_000 });
  expect(await page.evaluate(() => document.body.dataset.engine)).toBe('ready');
  return { page, problems };
}

async function waitFor(page: Page, key: string, timeout = 60_000): Promise<string> {
  await page.waitForFunction((k) => ['done', 'failed', 'stopped'].includes(document.body.dataset[k] ?? ''), key, { timeout });
  return page.evaluate((k) => document.body.dataset[k]!, key);
}

async function shot(page: Page, panel: string): Promise<string> {
  const path = `${ARTIFACTS}/panel-${panel}.png`;
  await page.locator(`#${panel}`).screenshot({ path });
  return path;
}

/** Draw a '2'-like stroke on the drawing pad; the page asks both networks what it is. */
async function drawDigit(page: Page): Promise<void> {
  await page.locator('#draw-canvas').scrollIntoViewIfNeeded();
  const box = (await page.locator('#draw-canvas').boundingBox())!;
  const at = (fx: number, fy: number) => [box.x + fx * box.width, box.y + fy * box.height] as const;
  await page.mouse.move(...at(0.35, 0.2));
  await page.mouse.down();
  for (const [fx, fy] of [[0.65, 0.2], [0.45, 0.5], [0.65, 0.8], [0.35, 0.8]]) await page.mouse.move(...at(fx, fy), { steps: 6 });
  await page.mouse.up();
}

const PREDICTION = /^ReLU reads \d \(\d+% sure\); k-WTA reads \d \(\d+% sure\)$/;

const trainNumber = (page: Page, net: Net, field: string) =>
  page.locator(`#train-numbers [data-net="${net}"] [data-field="${field}"]`);

describe.runIf(chromiumPresent)('the playground in Chromium', () => {
  let browser: Browser;
  let isolated: { origin: string; close(): void };
  let plain: { origin: string; close(): void };
  let reference: Reference;
  let main: { page: Page; problems: Problems };
  const shots: string[] = [];

  beforeAll(async () => {
    if (!existsSync(`${DIST}/index.html`)) throw new Error(`${DIST}/index.html is missing: build the page first (npx vite build, or the package's build script)`);
    mkdirSync(ARTIFACTS, { recursive: true });
    const a = await serveStatic({ dir: DIST, isolated: true });
    const b = await serveStatic({ dir: DIST, isolated: false });
    isolated = { origin: a.origin, close: () => a.server.close() };
    plain = { origin: b.origin, close: () => b.server.close() };
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    // The Node engine's numbers, computed while the page loads.
    [reference, main] = await Promise.all([nodeReference(TRAIN, CASES, THREADS), openPage(browser, `${isolated.origin}/?backend=wasm&threads=${THREADS}`)]);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    isolated?.close();
    plain?.close();
    if (shots.length) console.log(`playground screenshots:\n  ${shots.join('\n  ')}`);
  });

  it('cross-origin isolated: WebAssembly on 2 threads, said in the UI', async () => {
    const { page } = main;
    const status = page.locator('#backend-status');
    await expect.poll(() => status.getAttribute('data-threads')).toBe(String(THREADS));
    expect(await status.textContent()).toContain(`WebAssembly SIMD, ${THREADS} threads`);
    expect(await page.locator('#backend-facts [data-field="isolated"]').textContent()).toMatch(/^yes/);
    expect(page.workers().some((w) => w.url().includes('main'))).toBe(true);
  });

  it('trains one short epoch in the worker (the page clock keeps ticking), pauses and resumes, and shows the Node engine\'s numbers', async () => {
    const { page } = main;
    const form = '#train-form';
    await page.selectOption(`${form} select[name=arch]`, TRAIN.model.arch);
    await page.selectOption(`${form} select[name=hidden]`, String(TRAIN.model.hidden));
    await page.locator(`${form} input[name=gamma]`).fill(String(TRAIN.model.gamma));
    await page.locator(`${form} input[name=epochs]`).fill(String(TRAIN.epochs));
    await page.selectOption(`${form} select[name=trainSize]`, String(TRAIN.trainSize));
    await page.selectOption(`${form} select[name=testSize]`, String(TRAIN.testSize));
    await page.selectOption(`${form} select[name=batchSize]`, String(TRAIN.batchSize));
    await page.selectOption(`${form} select[name=lr]`, String(TRAIN.lr));
    await page.locator(`${form} input[name=seed]`).fill(String(TRAIN.model.seed));
    const clockBefore = Number(await page.locator('#clock').textContent());
    const t0 = await page.evaluate(() => performance.now());
    // Pause mid-way, clicked by the page itself as soon as step 3 shows: the 16 steps are short, and
    // a click through Playwright's round trip could land after the last one (the button disabled).
    await page.evaluate(() => {
      const progress = document.getElementById('train-progress') as HTMLProgressElement;
      const pause = document.getElementById('train-pause') as HTMLButtonElement;
      new MutationObserver((_, observer) => {
        if (progress.value < 3) return;
        observer.disconnect();
        pause.click();
      }).observe(progress, { attributes: true, attributeFilter: ['value'] });
    });
    await page.click('#train-start');
    // The step count stops moving until Resume.
    const bar = page.locator('#train-progress');
    await expect.poll(() => page.locator('#train-progress-text').textContent()).toMatch(/^paused at step \d+$/);
    const pausedAt = await bar.getAttribute('value');
    await page.waitForTimeout(400);
    expect(await bar.getAttribute('value')).toBe(pausedAt);
    expect(await page.locator('#train-pause').textContent()).toBe('Resume');
    await page.click('#train-pause');
    expect(await waitFor(page, 'training')).toBe('done');
    const t1 = await page.evaluate(() => performance.now());
    const clockAfter = Number(await page.locator('#clock').textContent());
    expect(await page.locator('#train-progress-text').textContent()).toBe(`done: ${reference.steps} steps`);

    // Same numbers as the Node engine, shown and exact.
    for (const net of NETS) {
      const r = reference.final[net];
      for (const [field, value, format] of [['loss', r.loss, formatLoss], ['trainAccuracy', r.trainAccuracy, formatAccuracy], ['testAccuracy', r.testAccuracy, formatAccuracy]] as const) {
        const dd = trainNumber(page, net, field);
        expect(await dd.textContent(), `${net} ${field}`).toBe(format(value));
        expect(Number(await dd.getAttribute('data-exact')), `${net} ${field} exact`).toBe(value);
      }
    }

    // The worker computed: the page's thread stayed free (its clock ticked, no long task ate
    // the training time) while the engine spent its time on the steps.
    const { gaps, longTasks } = await page.evaluate(([a, b]) => {
      const w = window as unknown as { __longTasks: { start: number; duration: number }[]; __ticks: number[] };
      const ticks = w.__ticks.filter((t) => t >= a && t <= b);
      const gaps = ticks.slice(1).map((t, i) => t - ticks[i]);
      return { gaps, longTasks: w.__longTasks.filter((l) => l.start >= a && l.start <= b).reduce((s, l) => s + l.duration, 0) };
    }, [t0, t1] as const);
    const msPerStep = await Promise.all(NETS.map(async (net) => parseFloat((await trainNumber(page, net, 'ms').textContent()) ?? 'NaN')));
    const compute = reference.steps * (msPerStep[0] + msPerStep[1]);
    console.log(`training: ${(t1 - t0).toFixed(0)} ms on the page, engine ${compute.toFixed(0)} ms of steps, page long tasks ${longTasks.toFixed(0)} ms, largest clock gap ${Math.max(...gaps).toFixed(0)} ms`);
    expect(clockAfter).toBeGreaterThan(clockBefore);
    expect(gaps.length).toBeGreaterThan(((t1 - t0) / 20) * 0.3);
    expect(Math.max(...gaps)).toBeLessThan(500);
    expect(longTasks).toBeLessThan(0.5 * compute);
    shots.push(await shot(page, 'train'));
  });

  it('reads a digit drawn on the canvas with both networks', async () => {
    const { page } = main;
    await drawDigit(page);
    await expect.poll(() => page.locator('#draw-prediction').textContent()).toMatch(PREDICTION);
    expect(await page.locator('#attack-form input[name=source][value=drawn]').isChecked()).toBe(true);
    await page.click('#draw-clear');
    await page.locator('#attack-form input[name=source][value=test]').check();
  });

  it('attacks a test digit with PGD and BPDA and shows what the Node engine computes', async () => {
    const { page } = main;
    for (const [i, c] of CASES.entries()) {
      await page.locator('#attack-form input[name=index]').fill(String(reference.index));
      await page.locator('#attack-form input[name=index]').press('Tab');
      await page.selectOption('#attack-select', c.attack);
      await page.locator('#attack-form input[name=eps]').fill(String(c.eps));
      await page.locator('#attack-form input[name=steps]').fill(String(c.steps));
      await page.locator('#attack-form input[name=seed]').fill(String(c.seed));
      await page.evaluate(() => delete document.body.dataset.attack);
      await page.click('#attack-run');
      expect(await waitFor(page, 'attack')).toBe('done');
      for (const net of NETS) {
        const want = reference.attacks[i][net];
        expect(want.gradients, `${c.attack} on ${net} took gradient steps`).toBeGreaterThan(0);
        const box = page.locator(`#attack-results [data-net="${net}"]`);
        const verdict = box.locator('[data-field="verdict"]');
        expect(await verdict.getAttribute('data-prediction'), `${c.attack} ${net} prediction`).toBe(String(want.prediction));
        expect(await verdict.getAttribute('data-success')).toBe(String(want.success));
        expect(JSON.parse((await verdict.getAttribute('data-logits'))!), `${c.attack} ${net} final logits`).toEqual(want.path[want.path.length - 1].logits);
        const facts = (await box.locator('[data-field="facts"]').textContent())!;
        expect(facts.startsWith(`Largest pixel change ${formatNorm(want.norm)} (ε = ${c.eps}); ${want.path.length} points on the path; ${want.forwards} forward and ${want.gradients} gradient passes;`), facts).toBe(true);
      }
      if (i === 0) shots.push(await shot(page, 'attack'));
    }
  });

  it('fills the scoreboard, Figure 1, the loss landscape and the backend panel', async () => {
    const { page } = main;
    await page.selectOption('#scoreboard-form select[name=examples]', '5');
    await page.locator('#scoreboard-form input[name=steps]').fill('2');
    await page.click('#scoreboard-run');
    expect(await waitFor(page, 'scoreboard', 90_000)).toBe('done');
    expect(await page.locator('#scoreboard-results table[data-field="checks"] .pass, #scoreboard-results table[data-field="checks"] .fail').count()).toBeGreaterThanOrEqual(4);
    shots.push(await shot(page, 'scoreboard'));

    await page.locator('#figure1').scrollIntoViewIfNeeded();
    await page.selectOption('#figure1-form select[name=steps]', '300');
    await page.waitForFunction(() => document.getElementById('figure1-stats')?.dataset.jumps !== undefined, null, { timeout: 60_000 });
    shots.push(await shot(page, 'figure1'));

    await page.selectOption('#landscape-form select[name=size]', '15');
    await page.click('#landscape-run');
    expect(await waitFor(page, 'landscape')).toBe('done');
    expect(await page.locator('#plot-landscape svg').count()).toBe(1);
    shots.push(await shot(page, 'landscape'));

    await page.click('#backend-measure');
    await page.waitForFunction(() => document.querySelector('#backend-facts [data-field="gflops"]')?.textContent?.includes('GFLOP/s'), null, { timeout: 60_000 });
    shots.push(await shot(page, 'backend'));
  });

  it('switches to the plain TypeScript backend and back, carrying both networks over', async () => {
    const { page } = main;
    const saved = async (net: Net): Promise<Buffer> => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`[data-save="${net}"]`)]);
      return readFileSync((await download.path())!);
    };
    const before = { relu: await saved('relu'), kwta: await saved('kwta') };
    for (const [kind, label] of [['cpu', 'plain TypeScript, 1 thread'], ['wasm', `WebAssembly SIMD, ${THREADS} threads`]] as const) {
      await page.locator(`#backend-form input[value="${kind}"]`).check();
      await page.click('#backend-switch');
      await expect.poll(() => page.locator('#backend-message').textContent(), { timeout: 30_000 }).toBe(`Now running on ${label}.`);
      expect(await page.locator('#backend-status').textContent()).toBe(`Engine: ${label}`);
      for (const net of NETS) expect(Buffer.compare(await saved(net), before[net]), `${net} after switching to ${kind}`).toBe(0);
    }
    expect(new URL(page.url()).searchParams.get('backend')).toBe('wasm');
  });

  it('has no serious or critical accessibility violations (axe-core)', async () => {
    const { page } = main;
    const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    await page.addScriptTag({ content: axe });
    const violations = await page.evaluate(async () => {
      const r = await (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } })
        .axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
    });
    if (violations.length) console.log('axe (all impacts):', JSON.stringify(violations, null, 1));
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
  });

  it('a corrupt or foreign safetensors file is refused with a clear message and changes nothing; a saved file loads back', async () => {
    const { page } = main;
    const save = async (): Promise<Buffer> => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-save="kwta"]')]);
      expect(download.suggestedFilename()).toMatch(/^kwta-playground-kwta-cnn-h32-gamma0\.1\.safetensors$/);
      return readFileSync((await download.path())!);
    };
    const before = await save();
    const message = page.locator('#file-message');
    const load = (name: string, buffer: Buffer) => page.setInputFiles('[data-load="kwta"]', { name, mimeType: 'application/octet-stream', buffer });

    await load('broken.safetensors', Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3]));
    await expect.poll(() => message.textContent()).toMatch(/^Not loaded: broken\.safetensors is not a safetensors file, or it is damaged: .*Nothing was changed\.$/);
    expect(await message.getAttribute('class')).toContain('error');

    const foreign = encodeSafetensors({ 'encoder.weight': randn([4, 3], new Generator(1)) });
    await load('someone-elses.safetensors', Buffer.from(foreign));
    await expect.poll(() => message.textContent()).toMatch(/^Not loaded: someone-elses\.safetensors is not a playground model file \(no kwta-playground metadata\) and its tensors do not fit the current k-WTA network: .*do not match MnistCnn; missing: cnn\.0\.weight, .*unexpected: encoder\.weight\. Nothing was changed\.$/);

    await load('truncated.safetensors', before.subarray(0, before.length - 100));
    await expect.poll(() => message.textContent()).toMatch(/^Not loaded: truncated\.safetensors .*Nothing was changed\.$/);

    expect(Buffer.compare(await save(), before)).toBe(0);
    await load('mine.safetensors', before);
    await expect.poll(() => message.textContent()).toBe('Loaded mine.safetensors into the k-WTA network (CNN, hidden width 32, gamma 0.1).');
    expect(Buffer.compare(await save(), before)).toBe(0);
    expect(main.problems.errors).toEqual([]);
    expect(await page.locator('#backend-status').textContent()).not.toMatch(/error/i);
  });

  it('gpu.js WebGL2 runs the engine in the worker (software WebGL2 here: slow, but the same page)', async () => {
    const { page, problems } = await openPage(browser, `${isolated.origin}/?backend=webgl2`);
    try {
      expect(await page.locator('#backend-status').textContent()).toBe('Engine: gpu.js WebGL2');
      await drawDigit(page);
      await expect.poll(() => page.locator('#draw-prediction').textContent(), { timeout: 60_000 }).toMatch(PREDICTION);
      expect(problems.errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 90_000);

  it('without cross-origin isolation: one thread, said in the UI, and the engine still attacks', async () => {
    const { page, problems } = await openPage(browser, `${plain.origin}/`);
    try {
      const status = page.locator('#backend-status');
      await expect.poll(() => status.getAttribute('data-threads')).toBe('1');
      expect(await status.textContent()).toContain('one thread: the page is not cross-origin isolated');
      expect(await page.locator('#backend-facts [data-field="isolated"]').textContent()).toMatch(/^no/);
      await page.locator('#attack-form input[name=steps]').fill('3');
      await page.click('#attack-run');
      expect(await waitFor(page, 'attack')).toBe('done');
      expect(await page.locator('#attack-results [data-field="verdict"]').count()).toBe(2);
      shots.push(`${ARTIFACTS}/page-not-isolated.png`);
      await page.screenshot({ path: shots[shots.length - 1] });
      expect(problems.errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
