import { builtinModules, createRequire } from 'node:module';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * Every library package the page needs bundles for a browser: esbuild (platform 'browser') over
 * its default entry (the built dist/index.js, as a bundler sees it) and everything it imports;
 * any import of a Node built-in (node:fs, zlib, worker_threads, ...) is recorded with the file
 * that makes it, and the test fails listing them. File access belongs in each package's /node
 * entry. The /node entries are bundled too, to show the check sees such imports.
 */
const PACKAGES = ['core', 'backend-gpujs', 'nn', 'optim', 'datasets', 'attacks', 'train', 'experiments'] as const;
const NODE_ENTRIES = ['nn', 'datasets', 'train', 'experiments'] as const;
const BUILTIN = new RegExp(`^(node:.*|${builtinModules.map((m) => m.replace(/[/]/g, '\\/')).join('|')})$`);
const require = createRequire(import.meta.url);

async function nodeImports(specifier: string): Promise<string[]> {
  const found: string[] = [];
  const recorder: Plugin = {
    name: 'record-node-builtins',
    setup(b) {
      b.onResolve({ filter: BUILTIN }, (args) => {
        found.push(`${args.path} (imported by ${args.importer})`);
        return { path: args.path, external: true };
      });
    },
  };
  await build({
    stdin: { contents: `export * from '${specifier}';`, resolveDir: require.resolve('../package.json').replace(/package\.json$/, ''), loader: 'js' },
    bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent', plugins: [recorder],
  });
  return found;
}

describe('every package the page needs bundles for the browser', () => {
  it.each(PACKAGES)('@kwta/%s: the default entry imports no Node built-in', async (p) => {
    expect(await nodeImports(`@kwta/${p}`)).toEqual([]);
  });

  it.each(NODE_ENTRIES)('@kwta/%s/node does (the check sees such imports)', async (p) => {
    expect((await nodeImports(`@kwta/${p}/node`)).some((f) => /^(node:)?fs /.test(f))).toBe(true);
  });
});
