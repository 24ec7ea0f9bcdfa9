import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Capabilities, KernelError } from '../src/index.js';
import { tolerances } from '../src/index.js';
import { bundle, serve } from './browser/serve.js';
import type { ContextLossReport } from './scenarios.js';
import type { SelectionCheck, SuiteReport } from './suites.js';

/**
 * The real-browser tests: Debian's Chromium (apt-get install chromium) driven by playwright-core,
 * the bundled scenarios (browser/entry.ts) served on 127.0.0.1, everything on WebGL (SwiftShader
 * when there is no GPU). In CI a missing Chromium fails the test; on a developer machine without
 * it the suite says why.
 */
const CHROMIUM = process.env.KWTA_CHROMIUM ?? '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present) {
  if (process.env.CI) throw new Error(`browser test: Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
  console.warn(`browser test skipped: Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
}

// Flags: headless and no sandbox (CI runs as root); no background traffic on a closed network.
// GPU stays enabled (no --disable-gpu) so WebGL comes up, on SwiftShader without a GPU.
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-quic', '--enable-unsafe-swiftshader', '--use-angle=swiftshader',
];

interface Training {
  losses: number[];
  textures: number[];
}

const flat = (xs: number[]) => expect(new Set(xs.slice(1)).size).toBe(1);

function expectSuitesGreen(report: SuiteReport, tol: number): void {
  expect(report.failures).toEqual([]);
  expect(report.gradFailures).toEqual([]);
  for (const k of report.kernels) {
    expect(k.mismatches, `${k.kernel} at ${k.worstAt}`).toBe(0);
    expect(k.maxError, `${k.kernel} at ${k.worstAt}`).toBeLessThanOrEqual(tol);
  }
}

const table = (kernels: KernelError[]) => kernels.map((k) => `  ${k.kernel.padEnd(24)} ${k.maxError.toExponential(2)}`).join('\n');

describe.runIf(present)('browser: WebGL modes in Chromium (SwiftShader)', () => {
  let browser: Browser, page: Page, server: Server;
  const errors: string[] = [];

  beforeAll(async () => {
    const served = await serve(await bundle());
    server = served.server;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(served.url, { waitUntil: 'load' });
    await page.waitForFunction(() => (window as unknown as { __kwta?: { ready: boolean } }).__kwta?.ready === true, null, { timeout: 60_000 });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  async function scenario<T>(name: string): Promise<T> {
    const out = await page.evaluate((n) => (window as unknown as { __kwta: { run(n: string): { result?: unknown; error?: string } } }).__kwta.run(n), name);
    expect(out.error).toBeUndefined();
    expect(errors).toEqual([]);
    return out.result as T;
  }

  it('webgl2: conformance and gradient suites, worst error per kernel, exact k-WTA winners', async () => {
    const r = await scenario<{ available: string[]; mode: string; capabilities: Capabilities & { denormals: string; textureCapacity: number }; fallbacks: string[]; report: SuiteReport; selection: SelectionCheck[] }>('suites');
    console.log(`browser webgl2 on "${r.capabilities.renderer}" (max texture ${r.capabilities.maxTextureSize}, denormals ${r.capabilities.denormals}): ` +
      `${r.report.checks} checks, ${r.report.gradChecks} gradient checks, ${Math.round(r.report.ms)} ms; worst error per kernel:\n${table(r.report.kernels)}`);
    expect(r.available).toContain('webgl2');
    expect(r.mode).toBe('webgl2');
    expect(r.fallbacks).toEqual([]);
    expect(r.capabilities.floatRenderTargets).toBe(true);
    expect(r.capabilities.highpFloat!.precision).toBeGreaterThanOrEqual(23);
    expectSuitesGreen(r.report, tolerances.webgl2.rtol);
    for (const s of r.selection) {
      // A device that flushes denormals ties what the CPU orders; everything else must be exact.
      if (!(s.denormals && r.capabilities.denormals === 'flushed')) expect(s.rowsDiffering, s.name).toBe(0);
    }
  }, 240_000);

  it('webgl (WebGL1, the kernels headless-gl runs): conformance suite', async () => {
    const r = await scenario<{ mode: string; fallbacks: string[]; report: SuiteReport }>('webgl1');
    expect(r.mode).toBe('webgl');
    expect(r.fallbacks).toEqual([]);
    expectSuitesGreen(r.report, tolerances.webgl.rtol);
  }, 240_000);

  it('webgl2: k-WTA CNN training, loss down, device buffers flat', async () => {
    const r = await scenario<Training & { fallbacks: string[]; tensorsAfter: number }>('training');
    expect(r.fallbacks).toEqual([]);
    expect(r.losses[19]).toBeLessThan(r.losses[0]);
    flat(r.textures);
  }, 120_000);

  it('texture side forced to 12: both suites and training run cut into pieces', async () => {
    const r = await scenario<{ capacity: number; report: SuiteReport; cut: number; texturesAfter: number; limited: Training; free: Training; limitedCut: number }>('limit12');
    expect(r.capacity).toBe(121);
    expectSuitesGreen(r.report, tolerances.webgl2.rtol);
    expect(r.cut).toBeGreaterThan(100);
    expect(r.texturesAfter).toBe(0);
    expect(r.limitedCut).toBeGreaterThan(0);
    r.limited.losses.forEach((l, i) => expect(Math.abs(l - r.free.losses[i])).toBeLessThan(10 * tolerances.webgl2.rtol));
    flat(r.limited.textures);
  }, 240_000);

  it('texture side forced to 256: a k-WTA MLP larger than a texture trains as on the CPU', async () => {
    const r = await scenario<{ run: Training; cpu: Training; cut: number }>('limit256');
    expect(r.cut).toBeGreaterThan(0);
    r.run.losses.forEach((l, i) => expect(Math.abs(l - r.cpu.losses[i])).toBeLessThan(1e-3));
    flat(r.run.textures);
  }, 120_000);

  it('a lost WebGL context mid-training: ContextLostError at once, lost tensors say so, recover() and training goes on', async () => {
    const r = await scenario<ContextLossReport>('contextLoss');
    console.log(`context loss: "${r.stepAfterLoss.slice(0, 160)}" after ${r.msToError.toFixed(1)} ms; old tensor: "${r.oldTensorRead.slice(0, 120)}"`);
    expect(r.stepAfterLossIsContextLost).toBe(true);
    expect(r.stepAfterLoss).toMatch(/^ContextLostError: .*WebGL context was lost/);
    expect(r.msToError).toBeLessThan(5_000);
    expect(r.lostFlag).toBe(true);
    expect(r.recovered).toBe(true);
    expect(r.recoveries).toBe(1);
    expect(r.oldTensorRead).toMatch(/^ContextLostError: .*lived on a WebGL context that was lost/);
    expect(Math.abs(r.lossAfterRecovery - r.lossAtCheckpoint)).toBeLessThan(1e-4);
    expect(r.lossesAfter[9]).toBeLessThan(r.lossesAfter[0]);
    flat(r.texturesAfter);
  }, 120_000);
});
