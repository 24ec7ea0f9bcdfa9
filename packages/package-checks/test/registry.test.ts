import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../src/bundle.js';
import { importsNodeEntry, readmeExamples } from '../src/examples.js';
import { publishedPackages, type PackageInfo } from '../src/packages.js';
import { publishAll } from '../src/publish.js';
import { installedKwta, makeProject, npmInstall, runExample, typecheck, writeExample } from '../src/user-project.js';
import { startRegistry, type LocalRegistry } from '../src/verdaccio.js';

/**
 * The round trip a user makes: every package is published with pnpm to a local Verdaccio (on
 * 127.0.0.1, no uplink), then, in a fresh project per package, installed ALONE with npm from
 * that registry; the README's examples run in Node, type-check with tsc under nodenext and
 * bundler resolution, and bundle for the browser with no Node built-in (for every package whose
 * default entry is meant for browsers). The cli's README runs `npx @kwta/cli --help` and a tiny
 * train and eval. The registry is stopped at the end whatever happened (afterAll, and the
 * watchdog in verdaccio.ts if this process dies).
 */
const packages = publishedPackages();
const tmp = mkdtempSync(join(tmpdir(), 'kwta-registry-'));
let registry: LocalRegistry | null = null;
const installs = new Map<string, Promise<void>>();
const timings: string[] = [];

/** Run a step and note its wall time (printed at the end: where the round trip spends its minutes). */
async function timed<T>(label: string, step: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await step();
  } finally {
    timings.push(`${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
}

/** Run at most n of the given jobs at a time (npm installs: the network and disk are the bottleneck). */
function limited(n: number): <T>(job: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return (job) => new Promise((resolve, reject) => {
    const start = () => {
      active++;
      job().then(resolve, reject).finally(() => {
        active--;
        waiting.shift()?.();
      });
    };
    if (active < n) start();
    else waiting.push(start);
  });
}

beforeAll(async () => {
  registry = await timed('start the registry', () => startRegistry(tmp));
  await timed('publish every package', () => publishAll(registry!, tmp));
  const slot = limited(3);
  for (const p of packages) {
    const done = slot(async () => {
      const dir = join(tmp, 'projects', p.dir);
      makeProject(dir, registry!.url);
      await timed(`npm install ${p.name}`, () => npmInstall(dir, [`${p.name}@${p.version}`]));
    });
    done.catch(() => undefined); // reported by the package's own tests
    installs.set(p.name, done);
  }
});

afterAll(async () => {
  await registry?.stop();
  console.log(`registry round trip, step times (installs overlap, three at a time):\n${timings.join('\n')}`);
  rmSync(tmp, { recursive: true, force: true });
});

/** The manifest of a package version as the local registry serves it. */
async function publishedManifest(name: string, version: string): Promise<{ dependencies?: Record<string, string>; dist: { tarball: string; integrity: string } }> {
  const doc = (await (await fetch(`${registry!.url}/${name.replace('/', '%2f')}`)).json()) as { versions: Record<string, never> };
  return doc.versions[version];
}

describe('published to a local registry', () => {
  it('every package is there, its workspace ranges rewritten to versions', async () => {
    for (const p of packages) {
      const published = await publishedManifest(p.name, p.version);
      expect(published, p.name).toBeDefined();
      for (const [dep, range] of Object.entries(published.dependencies ?? {})) expect(range, `${p.name} -> ${dep}`).not.toMatch(/workspace:/);
      expect(published.dist.tarball.startsWith(registry!.url)).toBe(true);
    }
  });
});

describe.each(packages.map((p) => [p.name, p] as [string, PackageInfo]))('%s installed alone', (name, p) => {
  const dir = join(tmp, 'projects', p.dir);
  const examples = readmeExamples(readFileSync(join(p.path, 'README.md'), 'utf8'));

  it('installs from the registry with every @kwta dependency from it too', async () => {
    await installs.get(name);
    const kwta = installedKwta(dir);
    expect(kwta.map((k) => k.name)).toContain(name);
    // The very tarballs the local registry serves (the lockfile's integrity is theirs).
    for (const k of kwta) expect(k.integrity, k.name).toBe((await publishedManifest(k.name, k.version)).dist.integrity);
  });

  it('has a README example', () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  // Concurrent across packages: each waits for its own install, then its tsc runs beside the others'.
  it.concurrent('its README examples run, type-check (nodenext and bundler) and bundle for the browser', async () => {
    await installs.get(name);
    const files: string[] = [];
    for (const [i, ex] of examples.entries()) {
      const label = `${name} README line ${ex.line}`;
      if (ex.install.length) await timed(`${label}: npm install ${ex.install.join(' ')}`, () => npmInstall(dir, ex.install));
      const file = writeExample(dir, ex, i + 1);
      const ran = await timed(`${label}: run`, () => runExample(dir, file));
      expect(ran.stdout.length, `README line ${ex.line}: printed nothing`).toBeGreaterThan(0);
      if (ex.lang !== 'ts') continue;
      files.push(file);
      if (p.browser && !importsNodeEntry(ex.code)) {
        expect((await timed(`${label}: browser bundle`, () => bundleForBrowser(ex.code, { resolveDir: dir }))).nodeImports, `README line ${ex.line}`).toEqual([]);
      }
    }
    if (files.length) await timed(`${name}: tsc nodenext + bundler`, () => typecheck(dir, files));
  });
});
