import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Generator } from '@kwta/core';
import { afterAll, describe, expect, it } from 'vitest';
import { Linear } from '../src/index.js';
import { FileError, loadSafetensors, prepareOutputDir, removeStaleTemps, saveSafetensors, writeFileAtomic } from '../src/node.js';

const root = mkdtempSync(join(tmpdir(), 'kwta-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A pid no process has (pids are below 2^22 on Linux). */
const DEAD_PID = 4_194_000 + 7;

describe('writeFileAtomic', () => {
  it('writes bytes and text, creating the directory, and replaces a file whole', () => {
    const p = join(root, 'a', 'b', 'x.json');
    writeFileAtomic(p, '{"v":1}\n');
    expect(readFileSync(p, 'utf8')).toBe('{"v":1}\n');
    writeFileAtomic(p, Uint8Array.of(1, 2, 3));
    expect([...readFileSync(p)]).toEqual([1, 2, 3]);
    expect(readdirSync(join(root, 'a', 'b'))).toEqual(['x.json']); // no temporary file left
  });

  it('removes temporary files of dead writers, and leaves a live process\'s alone', () => {
    const dir = join(root, 'stale');
    mkdirSync(dir);
    writeFileSync(join(dir, `model.safetensors.tmp-${DEAD_PID}`), 'torn');
    writeFileSync(join(dir, `model.safetensors.tmp-${DEAD_PID}-3`), 'torn');
    writeFileSync(join(dir, `config.json.tmp-${DEAD_PID}-1`), 'torn');
    writeFileSync(join(dir, `config.json.tmp-${process.ppid}-1`), 'a live writer (our parent)');
    writeFileAtomic(join(dir, 'model.safetensors'), 'new'); // cleans its own name's leftovers
    expect(readdirSync(dir).sort()).toEqual([`config.json.tmp-${DEAD_PID}-1`, `config.json.tmp-${process.ppid}-1`, 'model.safetensors'].sort());
    expect(removeStaleTemps(dir).map((p) => relative(dir, p))).toEqual([`config.json.tmp-${DEAD_PID}-1`]);
    expect(readdirSync(dir).sort()).toEqual([`config.json.tmp-${process.ppid}-1`, 'model.safetensors']);
  });

  it('refuses a directory in the way, and a file where a directory should be, naming the whole path', () => {
    mkdirSync(join(root, 'isdir', 'x.json'), { recursive: true });
    expect(() => writeFileAtomic(join(root, 'isdir', 'x.json'), '1')).toThrow(FileError);
    expect(() => writeFileAtomic(join(root, 'isdir', 'x.json'), '1')).toThrow(`cannot write '${join(root, 'isdir', 'x.json')}': it is a directory`);
    writeFileSync(join(root, 'afile'), '');
    expect(() => writeFileAtomic(join(root, 'afile', 'x.json'), '1')).toThrow(`cannot create directory '${join(root, 'afile')}': '${join(root, 'afile')}' is a file, not a directory`);
  });

  it('saveSafetensors goes through it', () => {
    const p = join(root, 'w', 'model.safetensors');
    saveSafetensors(p, new Linear(2, 3, { gen: new Generator(1) }));
    expect(loadSafetensors(p).tensors.size).toBe(2);
    expect(readdirSync(join(root, 'w'))).toEqual(['model.safetensors']);
  });
});

describe('prepareOutputDir: created and proven writable before any work', () => {
  it('creates nested directories and leaves nothing behind', () => {
    const dir = join(root, 'runs', 'deep', 'er');
    prepareOutputDir(dir);
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each([
    ['/proc/kwta-x', /^cannot create directory '\/proc\/kwta-x' \(at '\/proc\/kwta-x'\): ENOENT/],
    ['/proc/kwta-x/y/z', /^cannot create directory '\/proc\/kwta-x\/y\/z' \(at '\/proc\/kwta-x'\): ENOENT/],
    ['/sys/kwta-x', /^cannot create directory '\/sys\/kwta-x' \(at '\/sys\/kwta-x'\): (EPERM|EACCES|EROFS)/],
  ])('%s fails at once (recursive mkdir spins forever under /proc)', (dir, message) => {
    const started = Date.now();
    expect(() => prepareOutputDir(dir)).toThrow(FileError);
    expect(() => prepareOutputDir(dir)).toThrow(message);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a file in the way', () => {
    writeFileSync(join(root, 'plain'), '');
    expect(() => prepareOutputDir(join(root, 'plain', 'run'))).toThrow(/is a file, not a directory/);
    expect(existsSync(join(root, 'plain'))).toBe(true);
  });
});

// Every file the project writes goes through writeFileAtomic: no other write call in any
// package's sources (or the benchmarks'), apart from the writer itself and the places listed.
describe('one writer', () => {
  const repo = join(__dirname, '..', '..', '..');
  const ALLOWED: Record<string, string> = {
    'packages/nn/src/files/atomic.ts': 'the writer',
    'packages/nn/src/files/directories.ts': 'the writability probe (a temp file, removed at once)',
    'benchmarks/src/contenders/pytorch.ts': 'inputs for the PyTorch child process, in a fresh temporary directory it removes',
    // package-checks (private, never published) is the registry round trip's harness: scratch files.
    'packages/package-checks/src/publish.ts': 'the throwaway npm userconfig for publishing to the local Verdaccio, in its temporary directory',
    'packages/package-checks/src/user-project.ts': 'the fresh user project (package.json, .npmrc, tsconfigs, README examples) in a temporary directory',
    'packages/package-checks/src/verdaccio.ts': "the local registry's config, in its temporary directory",
    'packages/package-checks/src/sizes-main.ts': "the README's bundle-size table, rewritten only by a developer's `sizes --write` (package-checks does not depend on @kwta/nn)",
  };
  const WRITE = /\b(writeFileSync|writeSync|appendFileSync|createWriteStream|writeFile|copyFileSync|copyFile|cpSync)\s*\(/;

  function sources(dir: string): string[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : sources(p);
      return /\.(ts|mts|mjs|js)$/.test(e.name) ? [p] : [];
    });
  }

  it('no package source writes a file except through writeFileAtomic', () => {
    const roots = [...readdirSync(join(repo, 'packages')).map((p) => join(repo, 'packages', p, 'src')), join(repo, 'benchmarks', 'src')];
    const offenders = roots.flatMap(sources).map((p) => relative(repo, p)).filter((p) => !(p in ALLOWED) && WRITE.test(readFileSync(join(repo, p), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
