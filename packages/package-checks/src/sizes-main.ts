// `pnpm sizes` (in this package, after a build): print each default entry's minified + gzipped
// size against its budget; `--write` also puts the table in the root README. Exits 1 when a
// size is over budget.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { README, measureAll, overBudget, readBudgets, sizeTable, withTable } from './sizes.js';

const sizes = await measureAll(fileURLToPath(new URL('..', import.meta.url)));
const budgets = readBudgets();
const table = sizeTable(sizes, budgets);
console.log(table);
if (process.argv.includes('--write')) writeFileSync(README, withTable(readFileSync(README, 'utf8'), table));
const over = overBudget(sizes, budgets);
for (const line of over) console.error(line);
process.exitCode = over.length ? 1 : 0;
