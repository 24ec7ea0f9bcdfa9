// The real-GPU run in Chromium with the GPU enabled (needs this repository installed, for
// esbuild and playwright-core, and a Chromium binary):
//   node bench/real-gpu/chromium.mjs --out DIR [--quick] [--deadline-s N]
// Tries ANGLE on Vulkan, then on EGL, and keeps the first that reaches a hardware renderer (else
// the last, marked as software, and then only a quick run). Writes DIR/real-gpu-chromium.json and .md.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import { chromium } from 'playwright-core';
import { renderReport } from './render.mjs';

const arg = (n) => (process.argv.includes(`--${n}`) ? process.argv[process.argv.indexOf(`--${n}`) + 1] : undefined);
const out = arg('out') ?? '.';
const quick = process.argv.includes('--quick');
const executablePath = process.env.KWTA_CHROMIUM ?? '/usr/bin/chromium';
// No --disable-gpu, no SwiftShader flags: the point is the real GPU. Closed network: no background traffic.
const BASE = ['--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--ignore-gpu-blocklist'];
const ATTEMPTS = [
  { name: 'angle-vulkan', args: ['--use-angle=vulkan', '--enable-features=Vulkan,VulkanFromANGLE,DefaultANGLEVulkan'] },
  { name: 'angle-egl', args: ['--use-gl=angle', '--use-angle=gl-egl'] },
];
const SOFTWARE = /swiftshader|llvmpipe|softpipe|software/i;

const script = (await build({
  entryPoints: [new URL('./browser-main.ts', import.meta.url).pathname], bundle: true, platform: 'browser', format: 'iife', target: 'es2022', write: false, logLevel: 'warning',
})).outputFiles[0].text;
const server = createServer((req, res) => {
  // Cross-origin isolation, so SharedArrayBuffer (and the wasm backend's threads) exist in the page.
  const headers = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
  if (req.url.startsWith('/main.js')) res.writeHead(200, { ...headers, 'content-type': 'text/javascript' }).end(script);
  else res.writeHead(200, { ...headers, 'content-type': 'text/html' }).end('<!doctype html><meta charset="utf-8"><script src="/main.js"></script>');
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));

async function renderer(browser) {
  const page = await browser.newPage();
  await page.goto('about:blank');
  const r = await page.evaluate(() => {
    const gl = document.createElement('canvas').getContext('webgl2');
    const info = gl?.getExtension('WEBGL_debug_renderer_info');
    return gl ? String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)) : 'no webgl2';
  });
  await page.close();
  return r;
}

let chosen = null;
for (const attempt of ATTEMPTS) {
  let browser;
  try {
    browser = await chromium.launch({ executablePath, headless: true, args: [...BASE, ...attempt.args] });
    const r = await renderer(browser);
    console.error(`chromium ${attempt.name}: ${r}`);
    chosen = { attempt, browser, software: SOFTWARE.test(r) };
    if (!SOFTWARE.test(r)) break;
    if (attempt !== ATTEMPTS[ATTEMPTS.length - 1]) await browser.close();
  } catch (e) {
    console.error(`chromium ${attempt.name}: failed to start: ${e.message.split('\n')[0]}`);
    await browser?.close();
  }
}
if (!chosen) {
  console.error('chromium: no attempt started');
  server.close();
  process.exit(2);
}
try {
  const page = await chosen.browser.newPage();
  page.on('console', (m) => console.error(`page: ${m.text()}`));
  const url = `http://127.0.0.1:${server.address().port}/?${quick || chosen.software ? 'quick&' : ''}deadline-s=${arg('deadline-s') ?? 'Infinity'}`;
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.__realGpu?.done, null, { timeout: 0, polling: 1000 });
  const r = await page.evaluate(() => window.__realGpu);
  r.log.forEach((l) => console.error(`[chromium] ${l}`));
  if (r.error) throw new Error(r.error);
  const env = {
    gpu: process.env.KWTA_GPU_NAME, driver: process.env.KWTA_GPU_DRIVER, cpu: `${os.cpus()[0]?.model ?? 'unknown'} x ${os.cpus().length}`,
    how: `bench/real-gpu/chromium.mjs (Chromium ${chosen.browser.version()}, ${chosen.attempt.name}: ${chosen.attempt.args.join(' ')})`,
  };
  mkdirSync(out, { recursive: true });
  writeFileSync(`${out}/real-gpu-chromium.json`, JSON.stringify({ ...r.report, env }, null, 1) + '\n');
  writeFileSync(`${out}/real-gpu-chromium.md`, renderReport(r.report, env) + '\n');
  console.error(`wrote ${out}/real-gpu-chromium.json and .md`);
} finally {
  await chosen.browser.close();
  server.close();
}
