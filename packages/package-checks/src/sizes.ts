import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleForBrowser } from './bundle.js';
import { ROOT, publishedPackages, type PackageInfo } from './packages.js';

/** Gzipped bytes of a default entry bundled for the browser: the package's own code, and with every dependency. */
export interface EntrySize {
  name: string;
  own: number;
  total: number;
}

/** The stated limits (gzipped bytes), per package: `size-budgets.json` beside this package. */
export type Budgets = Record<string, { own: number; total: number }>;

export const BUDGETS_FILE = join(ROOT, 'packages/package-checks/size-budgets.json');

export function readBudgets(): Budgets {
  return JSON.parse(readFileSync(BUDGETS_FILE, 'utf8')) as Budgets;
}

/**
 * Bundle `export * from '<package>'` minified for the browser, as a user's bundler would with
 * everything imported (nothing tree-shaken away), and gzip it: once with the package's
 * dependencies left out (its own code), once with them in (what a page pays).
 */
export async function measure(p: PackageInfo, resolveDir: string): Promise<EntrySize> {
  const code = `export * from '${p.name}';`;
  const deps = Object.keys({ ...(p.manifest.dependencies as object), ...(p.manifest.optionalDependencies as object) });
  const own = await bundleForBrowser(code, { resolveDir, external: deps });
  const total = await bundleForBrowser(code, { resolveDir });
  return { name: p.name, own: own.gzipBytes, total: total.gzipBytes };
}

export async function measureAll(resolveDir: string): Promise<EntrySize[]> {
  const out: EntrySize[] = [];
  for (const p of publishedPackages().filter((q) => q.browser)) out.push(await measure(p, resolveDir));
  return out;
}

/** Sizes over budget, as messages (empty when every size fits). */
export function overBudget(sizes: EntrySize[], budgets: Budgets): string[] {
  return sizes.flatMap((s) => {
    const b = budgets[s.name];
    if (!b) return [`${s.name}: no budget in size-budgets.json`];
    return (['own', 'total'] as const).filter((k) => s[k] > b[k]).map((k) => `${s.name}: ${k} ${kb(s[k])} gzipped is over its budget of ${kb(b[k])}`);
  });
}

export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} kB`;

/** The README table: one row per package, sizes and budgets. */
export function sizeTable(sizes: EntrySize[], budgets: Budgets): string {
  const rows = sizes.map((s) => `| \`${s.name}\` | ${kb(s.own)} | ${kb(budgets[s.name]?.own ?? NaN)} | ${kb(s.total)} | ${kb(budgets[s.name]?.total ?? NaN)} |`);
  return ['| default entry | own code | budget | with dependencies | budget |', '| --- | ---: | ---: | ---: | ---: |', ...rows].join('\n');
}

export const README = join(ROOT, 'README.md');
const START = '<!-- sizes:start -->', END = '<!-- sizes:end -->';

/** The README with its size table replaced (between the sizes markers). */
export function withTable(readme: string, table: string): string {
  const a = readme.indexOf(START), b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} ... ${END} section`);
  return `${readme.slice(0, a + START.length)}\n${table}\n${readme.slice(b)}`;
}

/** The table the README shows now. */
export function readmeTable(readme: string): string {
  const a = readme.indexOf(START), b = readme.indexOf(END);
  return a < 0 || b < a ? '' : readme.slice(a + START.length, b).trim();
}
