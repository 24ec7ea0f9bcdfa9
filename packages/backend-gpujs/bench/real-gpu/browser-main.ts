// Entry of the real-GPU run in Chromium (webgl2): chromium.mjs serves this bundle and reads
// window.__realGpu when it is done. The page is cross-origin isolated, so the core wasm backend
// gets its worker threads (SharedArrayBuffer).
import { realGpuReport } from './report.js';

const params = new URLSearchParams(location.search);
const w = window as unknown as { __realGpu: { done: boolean; report?: unknown; error?: string; log: string[] } };
w.__realGpu = { done: false, log: [] };
window.addEventListener('load', () => setTimeout(() => {
  realGpuReport({
    mode: 'webgl2', quick: params.has('quick'), deadlineMs: Number(params.get('deadline-s') ?? Infinity) * 1000,
    log: (line) => w.__realGpu.log.push(line),
  }).then((report) => (w.__realGpu = { ...w.__realGpu, done: true, report }), (e) => (w.__realGpu = { ...w.__realGpu, done: true, error: String((e as Error).stack ?? e) }));
}, 0));
