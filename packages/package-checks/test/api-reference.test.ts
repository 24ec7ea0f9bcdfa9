import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, publishedPackages } from '../src/packages.js';

/**
 * The API reference (`pnpm docs`, TypeDoc with validation on; run by the test command) covers what
 * users import: every published package, and in each every entry of its `exports` but
 * `./internal` (engine parts, not the user API). TypeDoc itself fails on an undocumented export;
 * this test fails when a new package or entry would be left out of the reference altogether.
 */
const NOT_DOCUMENTED = new Set(['./internal']);

const readJson = (path: string): { entryPoints: string[] } => JSON.parse(readFileSync(path, 'utf8'));

/** The source file behind an export subpath, as the packages lay them out: '.' is src/index.ts, './node' src/node.ts or src/node/index.ts. */
function sourcesOf(entry: string): string[] {
  if (entry === '.') return ['src/index.ts'];
  const name = entry.slice(2);
  return [`src/${name}.ts`, `src/${name}/index.ts`];
}

describe('the API reference', () => {
  const packages = publishedPackages();

  it('takes every published package', () => {
    expect(readJson(join(ROOT, 'typedoc.json')).entryPoints.sort()).toEqual(packages.map((p) => `packages/${p.dir}`).sort());
  });

  it.each(packages.map((p) => [p.name, p] as const))('%s: every public entry, and nothing else', (_name, p) => {
    const documented = readJson(join(p.path, 'typedoc.json')).entryPoints;
    const expected = p.entries.filter((e) => !NOT_DOCUMENTED.has(e)).map((e) => sourcesOf(e).find((f) => existsSync(join(p.path, f))) ?? `${e} (no source file)`);
    expect([...documented].sort()).toEqual(expected.sort());
  });
});
