import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { publishedPackages } from '../src/packages.js';
import { README, measureAll, overBudget, readBudgets, readmeTable, type EntrySize } from '../src/sizes.js';

/**
 * Each browser package's default entry, bundled minified for the browser and gzipped, stays within
 * the budget stated in size-budgets.json (its own code, and with its dependencies). Raise a
 * budget on purpose, in the same commit as the growth, and refresh the README with `pnpm sizes --write`.
 */
describe('bundle sizes', () => {
  let sizes: EntrySize[] = [];

  it('every default entry is within its budget', async () => {
    sizes = await measureAll(fileURLToPath(new URL('..', import.meta.url)));
    expect(sizes.map((s) => s.name).sort()).toEqual(publishedPackages().filter((p) => p.browser).map((p) => p.name).sort());
    expect(overBudget(sizes, readBudgets())).toEqual([]);
  });

  it('the check fails a size over budget, naming the package', () => {
    const budgets = { '@kwta/x': { own: 1000, total: 5000 } };
    expect(overBudget([{ name: '@kwta/x', own: 1001, total: 5000 }], budgets)).toEqual(['@kwta/x: own 1.0 kB gzipped is over its budget of 1.0 kB']);
    expect(overBudget([{ name: '@kwta/y', own: 1, total: 1 }], budgets)).toEqual(['@kwta/y: no budget in size-budgets.json']);
  });

  it('the README reports every package with its budget', () => {
    const table = readmeTable(readFileSync(README, 'utf8'));
    const budgets = readBudgets();
    for (const name of Object.keys(budgets)) expect(table).toMatch(new RegExp(`\\| \`${name}\` \\| [0-9.]+ kB \\| ${(budgets[name].own / 1024).toFixed(1)} kB \\|`));
  });
});
