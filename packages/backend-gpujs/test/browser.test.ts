import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { bundle, serve } from './browser/serve.js';

/**
 * The real-browser test: Debian's Chromium (apt-get install chromium) driven by playwright-core,
 * the bundled suite served on 127.0.0.1, everything on WebGL2 (SwiftShader when there is no GPU).
 * In CI a missing Chromium fails the test; on a developer machine without it the suite says why.
 */
const CHROMIUM = process.env.KWTA_CHROMIUM ?? '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present) {
  if (process.env.CI) throw new Error(`browser test: Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
  console.warn(`browser test skipped: Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
}

// Flags: headless and no sandbox (CI runs as root); no background traffic on a closed network.
// GPU stays enabled (no --disable-gpu) so WebGL2 comes up, on SwiftShader without a GPU.
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-quic', '--enable-unsafe-swiftshader', '--use-angle=swiftshader',
];

describe.runIf(present)('browser: webgl2 mode in Chromium', () => {
  it('runs the conformance suite and k-WTA training on real WebGL2', async () => {
    const { url, server } = await serve(await bundle());
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(url, { waitUntil: 'commit' });
      await page.waitForFunction(() => (window as unknown as { __kwta?: { done: boolean } }).__kwta?.done === true, null, { timeout: 170_000, polling: 500 });
      const out = await page.evaluate(() => (window as unknown as { __kwta: unknown }).__kwta) as {
        error?: string;
        report?: {
          available: string[]; mode: string; fallbacks: string[]; cases: number; failures: string[]; losses: number[];
          liveBefore: unknown; liveAfter: unknown; compiledKernels: number; ms: number;
        };
      };
      expect(out.error).toBeUndefined();
      const r = out.report!;
      console.log(`browser: ${r.cases} cases, ${r.compiledKernels} kernels compiled, ${Math.round(r.ms)} ms, losses ${r.losses[0].toFixed(4)} -> ${r.losses[r.losses.length - 1].toFixed(4)}`);
      expect(r.available).toContain('webgl2');
      expect(r.mode).toBe('webgl2');
      expect(r.fallbacks).toEqual([]);
      expect(r.failures).toEqual([]);
      expect(r.liveAfter).toEqual(r.liveBefore);
      expect(r.losses[r.losses.length - 1]).toBeLessThan(r.losses[0]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      server.close();
    }
  }, 240_000);
});
