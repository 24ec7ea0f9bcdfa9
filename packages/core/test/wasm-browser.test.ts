import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioReport } from './browser/entry.js';
import { bundle, serve } from './browser/serve.js';

/**
 * The wasm backend's Web Worker pool in a real browser: Debian's Chromium (apt-get install
 * chromium) driven by playwright-core. On a cross-origin-isolated page the pool must run on a
 * page's main thread (which may not block: it spins) and inside a dedicated Worker (nested
 * workers, blocking waits); on a page without isolation there is no SharedArrayBuffer and the
 * backend must fall back to one thread. In CI a missing Chromium fails the test.
 */
const CHROMIUM = process.env.KWTA_CHROMIUM ?? '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present) {
  if (process.env.CI) throw new Error(`browser test: Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
  console.warn(`browser test skipped: Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
}

// Headless, no sandbox (CI runs as root), no background traffic on a closed network.
const ARGS = ['--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];

interface PageResult { done: boolean; main?: ScenarioReport; worker?: ScenarioReport; error?: string }

describe.runIf(present)('browser: wasm backend with a Web Worker pool in Chromium', () => {
  let browser: Browser;
  let origin = '';
  let close = () => {};
  beforeAll(async () => {
    const s = await serve(await bundle());
    origin = s.origin;
    close = () => s.server.close();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    close();
  });

  async function load(path: string): Promise<PageResult> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(origin + path, { waitUntil: 'commit' });
    await page.waitForFunction(() => (window as unknown as { __kwta?: PageResult }).__kwta?.done === true, null, { timeout: 150_000, polling: 250 });
    const out = await page.evaluate(() => (window as unknown as { __kwta: PageResult }).__kwta);
    await page.close();
    expect(errors).toEqual([]);
    expect(out.error).toBeUndefined();
    return out;
  }

  function expectCorrect(r: ScenarioReport): void {
    expect(r.failures).toEqual([]);
    expect(r.cases).toBeGreaterThan(100);
    expect(r.earlyError).toBeLessThan(1e-3);
    expect(r.matmulError).toBeLessThan(1e-5);
    expect(r.convError).toBeLessThan(1e-3);
  }

  it('cross-origin isolated: every worker joins and takes tasks, on the main thread and in a Worker', async () => {
    const { main, worker } = await load('/');
    for (const r of [main!, worker!]) {
      console.log(`browser ${r.where}: threads ${r.threads}, joined ${r.joined}, early worker tasks ${r.earlyWorkerTasks}, ` +
        `worker tasks ${r.workerTasks}, matmul 512 ${r.ms512.pool.toFixed(1)} ms pool vs ${r.ms512.single.toFixed(1)} ms one thread`);
      expect(r.isolated).toBe(true);
      expectCorrect(r);
      expect(r.threads).toBe(4);
      expect(r.joined).toBe(4);
      expect(r.workerTasks).toBeGreaterThan(0);
    }
    // The page's thread cannot start its workers before it yields: the first dispatch ran alone.
    expect(main!.earlyWorkerTasks).toBe(0);
  }, 180_000);

  it('without isolation: no shared memory, one thread, same results', async () => {
    const { main, worker } = await load('/plain');
    for (const r of [main!, worker!]) {
      expect(r.isolated).toBe(false);
      expectCorrect(r);
      expect(r.threads).toBe(1);
      expect(r.joined).toBe(1);
      expect(r.workerTasks).toBe(0);
    }
  }, 180_000);
});
