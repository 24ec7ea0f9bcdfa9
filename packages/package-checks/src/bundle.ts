import { builtinModules } from 'node:module';
import { gzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';

const BUILTIN = new RegExp(`^(node:.*|${builtinModules.map((m) => m.replace(/[/]/g, '\\/')).join('|')})$`);

/** What bundling some code for the browser gives: its size, and every Node built-in it reached for. */
export interface BrowserBundle {
  /** Minified bytes, and gzipped (level 9) bytes, of the whole bundle. */
  bytes: number;
  gzipBytes: number;
  /** `<module> (imported by <file>)` for each import of a Node built-in (fs, zlib, worker_threads, ...). */
  nodeImports: string[];
}

export interface BundleOptions {
  /** Resolve imports from here (a folder whose node_modules holds the packages). */
  resolveDir: string;
  /** Packages to leave out of the bundle (e.g. ['@kwta/*'] to measure a package's own code). */
  external?: string[];
}

/**
 * Bundle `code` (an ES module) for the browser with esbuild, minified, the way a user's bundler
 * sees a package through its `exports`. Imports of Node built-ins are recorded, not resolved,
 * so a default entry that reaches for one fails the checks by name.
 */
export async function bundleForBrowser(code: string, opts: BundleOptions): Promise<BrowserBundle> {
  const nodeImports: string[] = [];
  const recorder: Plugin = {
    name: 'record-node-builtins',
    setup(b) {
      b.onResolve({ filter: BUILTIN }, (args) => {
        nodeImports.push(`${args.path} (imported by ${args.importer})`);
        return { path: args.path, external: true };
      });
    },
  };
  const out = await build({
    stdin: { contents: code, resolveDir: opts.resolveDir, loader: 'ts', sourcefile: 'entry.ts' },
    bundle: true, platform: 'browser', format: 'esm', target: 'es2022', minify: true, write: false, logLevel: 'silent',
    external: opts.external ?? [], plugins: [recorder],
  });
  const bytes = out.outputFiles[0].contents;
  return { bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length, nodeImports };
}
