import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatMachine, formatTable, writeResult } from './harness/report.js';
import { runSuite } from './harness/run.js';
import type { Mode } from './harness/types.js';
import { resolveSuites } from './suites/index.js';
import { runScript } from './harness/script.js';

const USAGE = `usage: node --expose-gc dist/cli.js [suite|group ...] [--quick] [--filter TEXT] [--out DIR] [--strict]
  suites/groups   default 'core' (= matmul conv2d); 'wasm' (issue 8), 'overhead' (issue 7); see README
  --quick         tiny sizes and few rounds (smoke test; does not overwrite results/ unless --out says so)
  --filter TEXT   only cases whose id contains TEXT
  --out DIR       where <suite>.json goes (default: benchmarks/results; --quick writes nothing unless given)
  --strict        exit 1 when a ratio misses its target (a wrong result always exits 1)`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      filter: { type: 'string' },
      out: { type: 'string' },
      strict: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const mode: Mode = values.quick ? 'quick' : 'full';
  const defaultOut = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');
  const outDir = values.out ?? (mode === 'full' ? defaultOut : undefined);
  if (!(globalThis as { gc?: unknown }).gc) console.warn('note: run node with --expose-gc for steadier timings');

  let failed = false;
  for (const suite of resolveSuites(positionals.length ? positionals : ['core'])) {
    console.log(`\n## ${suite.name}: ${suite.description}`);
    const result = await runSuite(suite, {
      mode,
      filter: values.filter,
      onCase: (c) => console.log(`  done: ${c.id}${c.agrees ? '' : '  (OUTPUTS DISAGREE)'}`),
    });
    console.log(`\n${formatMachine(result)}\n\n${formatTable(result)}\n`);
    for (const note of result.notes) console.log(note);
    const { agreementFailures, targetsMissed } = result.summary;
    if (agreementFailures.length) console.log(`WRONG RESULTS (outputs disagree with ${result.cases[0]?.reference}): ${agreementFailures.join('; ')}`);
    if (targetsMissed.length) console.log(`targets missed: ${targetsMissed.join('; ')}`);
    if (outDir) console.log(`wrote ${writeResult(result, outDir)}`);
    failed ||= agreementFailures.length > 0 || (values.strict && targetsMissed.length > 0);
  }
  return failed ? 1 : 0;
}

runScript(main, USAGE);
