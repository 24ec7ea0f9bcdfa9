import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is packages/package-checks/src/packages.ts). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** What the checks read from a package's package.json. */
export interface PackageInfo {
  /** Folder name under packages/. */
  dir: string;
  name: string;
  version: string;
  path: string;
  manifest: Record<string, unknown> & { exports?: Record<string, unknown>; bin?: Record<string, string> };
  /** Export subpaths ('.', './node', './testing', ...), package.json's own left out. */
  entries: string[];
  /** Whether its default entry is meant for browsers (every library; not the command line). */
  browser: boolean;
}

/** Every package that is published (not private), in folder order. */
export function publishedPackages(): PackageInfo[] {
  return readdirSync(join(ROOT, 'packages'))
    .map((dir) => ({ dir, path: join(ROOT, 'packages', dir) }))
    .flatMap(({ dir, path }) => {
      let manifest: PackageInfo['manifest'];
      try {
        manifest = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8'));
      } catch {
        return [];
      }
      if (manifest.private) return [];
      const entries = Object.keys(manifest.exports ?? {}).filter((e) => e !== './package.json');
      // The command line's library entry (@kwta/cli) is for Node; every other default entry runs in a browser.
      return [{ dir, path, name: manifest.name as string, version: manifest.version as string, manifest, entries, browser: manifest.name !== '@kwta/cli' }];
    });
}
