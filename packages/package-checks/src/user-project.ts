import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { transform } from 'esbuild';
import type { ReadmeExample } from './examples.js';
import { run, runOk, userEnv, type Ran } from './run.js';

/**
 * A fresh project as a user starts one: an empty ES-module package whose .npmrc takes `@kwta/*`
 * from the local registry; everything else comes from the registry npm is configured with.
 */
export function makeProject(dir: string, registryUrl: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'kwta-user-project', private: true, type: 'module' }, null, 2));
  writeFileSync(join(dir, '.npmrc'), `@kwta:registry=${registryUrl}/\n`);
}

/**
 * `npm install <packages>`. Install scripts are skipped: ours have none, and gpu.js's optional
 * `gl` would try a native build (a user without build tools gets the same: npm drops it).
 */
export function npmInstall(dir: string, packages: string[]): Promise<Ran> {
  return runOk('npm', ['install', ...packages, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env: userEnv(), timeoutMs: 300_000 });
}

/** Every `@kwta/*` package in the project's lockfile, with the integrity npm recorded for it. */
export function installedKwta(dir: string): { name: string; version: string; integrity: string }[] {
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string; integrity?: string }> };
  return Object.entries(lock.packages)
    .filter(([path]) => /(^|\/)node_modules\/@kwta\/[^/]+$/.test(path))
    .map(([path, p]) => ({ name: path.slice(path.lastIndexOf('@kwta/')), version: p.version, integrity: p.integrity ?? '' }));
}

const require = createRequire(import.meta.url);

/**
 * Type-check files with TypeScript's own `tsc --noEmit` in the project, once with
 * `moduleResolution` nodenext and once with bundler, the packages' declarations checked too (no
 * skipLibCheck; only TypeScript's own lib files are skipped): a wrong `types` export or a
 * declaration that names a Node type fails here.
 */
export async function typecheck(dir: string, files: string[]): Promise<void> {
  const tsc = require.resolve('typescript/bin/tsc');
  const base = { target: 'ES2022', lib: ['ES2022', 'DOM'], types: [], strict: true, noEmit: true, skipLibCheck: false, skipDefaultLibCheck: true };
  const modes = { nodenext: { module: 'NodeNext', moduleResolution: 'NodeNext' }, bundler: { module: 'ESNext', moduleResolution: 'Bundler' } };
  for (const [mode, resolution] of Object.entries(modes)) {
    const config = `tsconfig.${mode}.json`;
    writeFileSync(join(dir, config), JSON.stringify({ compilerOptions: { ...base, ...resolution }, files }, null, 2));
    const r = await run(process.execPath, [tsc, '-p', config], { cwd: dir });
    if (r.code !== 0) throw new Error(`tsc (moduleResolution ${mode}) failed in ${dir}:\n${r.stdout}${r.stderr}`);
  }
}

/** Write a README example into the project (`example-<n>.ts` or `.sh`) and return its file name. */
export function writeExample(dir: string, ex: ReadmeExample, n: number): string {
  const file = `example-${n}.${ex.lang}`;
  writeFileSync(join(dir, file), ex.code);
  return file;
}

/** Run a TypeScript example in Node (types stripped by esbuild, imports resolved by Node), or a shell one with bash. */
export async function runExample(dir: string, file: string): Promise<Ran> {
  if (file.endsWith('.sh')) return runOk('bash', ['-euo', 'pipefail', file], { cwd: dir, env: userEnv() });
  const { code } = await transform(readFileSync(join(dir, file), 'utf8'), { loader: 'ts', format: 'esm', target: 'es2022' });
  const js = file.replace(/\.ts$/, '.mjs');
  writeFileSync(join(dir, js), code);
  return runOk(process.execPath, [js], { cwd: dir, env: userEnv() });
}
