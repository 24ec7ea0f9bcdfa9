import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../src/bundle.js';
import { publishedPackages } from '../src/packages.js';

/**
 * Every library package's default entry bundles for a browser: esbuild (platform 'browser') over
 * the built entry, as a user's bundler sees it through `exports`, and everything it imports; any
 * import of a Node built-in (node:fs, zlib, worker_threads, ...) fails the test with the file
 * that makes it. File access belongs in each package's /node entry; those are bundled too, to
 * show the check sees such imports. The packages and their entries are read from their
 * package.json files, so a new package or entry is checked without editing this list.
 */
const here = fileURLToPath(new URL('..', import.meta.url));
const browserPackages = publishedPackages().filter((p) => p.browser);
const nodeEntries = publishedPackages().flatMap((p) => p.entries.filter((e) => e === './node').map((e) => `${p.name}${e.slice(1)}`));

describe('every library package bundles for the browser', () => {
  it('finds the packages and their /node entries', () => {
    expect(browserPackages.map((p) => p.name)).toContain('@kwta/core');
    expect(nodeEntries).toContain('@kwta/nn/node');
  });

  it.each(browserPackages.map((p) => p.name))('%s: the default entry imports no Node built-in', async (name) => {
    expect((await bundleForBrowser(`export * from '${name}';`, { resolveDir: here })).nodeImports).toEqual([]);
  });

  it.each(nodeEntries)('%s does (the check sees such imports)', async (entry) => {
    expect((await bundleForBrowser(`export * from '${entry}';`, { resolveDir: here })).nodeImports.some((f) => /^(node:)?fs /.test(f))).toBe(true);
  });
});
