import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * The default entry must bundle for a browser: esbuild (platform 'browser') over src/index.ts
 * and everything it imports; any import of a Node built-in (node:fs, zlib, ...) is recorded
 * with the file that makes it, and the test fails listing them. File access belongs in
 * `@kwta/datasets/node`.
 */
const BUILTIN = new RegExp(`^(node:.*|${builtinModules.map((m) => m.replace(/[/]/g, '\\/')).join('|')})$`);

function nodeImports(entry: string): Promise<string[]> {
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
  return build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent', plugins: [recorder] }).then(
    () => found,
  );
}

describe('@kwta/datasets bundles for the browser', () => {
  it('the default entry imports no Node built-in', async () => {
    expect(await nodeImports(fileURLToPath(new URL('../src/index.ts', import.meta.url)))).toEqual([]);
  });

  it('the check catches one: the /node entry imports node:fs and node:zlib', async () => {
    const found = await nodeImports(fileURLToPath(new URL('../src/node.ts', import.meta.url)));
    expect(found.some((f) => f.startsWith('node:fs '))).toBe(true);
    expect(found.some((f) => f.startsWith('node:zlib '))).toBe(true);
  });
});
