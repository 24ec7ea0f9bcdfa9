// Bundle the TypeScript benchmark with esbuild and run it.
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// The bundle goes to the temp folder: nothing generated lands in the package (or its lint).
const out = join(tmpdir(), 'kwta-wasm-bench', 'wasm-bench.mjs');
// tfjs is a devDependency of the benchmarks package: resolve it from there (NODE_PATH).
const env = { ...process.env, NODE_PATH: join(here, '..', '..', '..', 'benchmarks', 'node_modules') };
execFileSync('npx', [
  'esbuild', join(here, 'wasm-bench.ts'), '--bundle', '--platform=node', '--format=esm', '--main-fields=module,main', `--outfile=${out}`, '--log-level=error',
  // tfjs-backend-wasm's emscripten glue uses require(): give the ESM bundle one.
  `--banner:js=import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);`,
], { stdio: 'inherit', env });
execFileSync('node', [out, ...process.argv.slice(2)], { stdio: 'inherit' });
