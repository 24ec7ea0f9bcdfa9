// Entry of the real-GPU run in Node (headless-gl): bundled by prepare.sh into one CommonJS file
// that needs nothing but node and the native gl module beside it.
//   node real-gpu.cjs --probe                 print the device's capabilities as JSON, exit
//   node real-gpu.cjs --out DIR [--quick] [--deadline-s N] [--tag NAME]
//   node real-gpu.cjs --rates --out DIR [--tag NAME]   fragment-shader texel and arithmetic rates
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { GpuJsBackend, type GpuJsMode } from '../../src/index.js';
import createGlContext from 'gl';
import { fragmentRates } from './fragment-rates.js';
import { realGpuReport, type RealGpuReport } from './report.js';
import { renderReport } from './render.mjs';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}
const flag = (name: string) => process.argv.includes(`--${name}`);

async function main(): Promise<void> {
  const mode = (arg('mode') ?? 'headlessgl') as GpuJsMode;
  if (flag('probe')) {
    process.stdout.write(JSON.stringify(new GpuJsBackend({ mode }).capabilities) + '\n');
    return;
  }
  const out = arg('out') ?? '.';
  const tag = arg('tag') ?? mode;
  mkdirSync(out, { recursive: true });
  if (flag('rates')) {
    // On headless-gl itself, without gpu.js.
    const rates = fragmentRates(createGlContext);
    writeFileSync(`${out}/rates-${tag}.json`, JSON.stringify(rates, null, 1) + '\n');
    process.stderr.write(`[real-gpu] fragment rates: ${(rates.fetchesPerSecond / 1e9).toFixed(1)} G texel fetches/s, ` +
      `${(rates.floatsPerSecondAsVec4 / 1e9).toFixed(1)} G floats/s as vec4, ${(rates.flopsPerSecond / 1e12).toFixed(2)} TFLOP/s on ${rates.renderer}\n`);
    return;
  }
  const log = (line: string) => process.stderr.write(`[real-gpu ${((performance.now()) / 1000).toFixed(0)}s] ${line}\n`);
  const env = {
    gpu: process.env.KWTA_GPU_NAME, driver: process.env.KWTA_GPU_DRIVER, how: process.env.KWTA_GL_HOW ?? `node real-gpu.cjs --mode ${mode}`,
    cpu: `${os.cpus()[0]?.model ?? 'unknown'} x ${os.cpus().length}`, build: process.env.KWTA_BUILD,
  };
  // Written after every section (complete: false) and once at the end: the device call has a
  // hard time limit, and a run cut off there must still bring back the sections it finished.
  const write = (report: RealGpuReport, complete: boolean) => {
    writeFileSync(`${out}/real-gpu-${tag}.json`, JSON.stringify({ ...report, complete, env }, null, 1) + '\n');
    writeFileSync(`${out}/real-gpu-${tag}.md`, renderReport({ ...report, complete }, env) + '\n');
  };
  const report = await realGpuReport({
    mode, quick: flag('quick'), deadlineMs: Number(arg('deadline-s') ?? Infinity) * 1000, log, onSection: (r) => write(r, false),
  });
  write(report, true);
  log(`wrote ${out}/real-gpu-${tag}.json and .md`);
}

main().then(() => process.exit(0), (e) => {
  process.stderr.write(`real-gpu: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
