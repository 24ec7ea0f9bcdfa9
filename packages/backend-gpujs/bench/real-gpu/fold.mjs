// Fold real-GPU results into docs/benchmarks.md (the section between the REAL-GPU markers) and
// keep the JSON as docs/real-gpu.json:
//   node bench/real-gpu/fold.mjs /path/to/real-gpu-headlessgl-<attempt>.json [more.json ...]
import { readFileSync, writeFileSync } from 'node:fs';
import { renderReport } from './render.mjs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node bench/real-gpu/fold.mjs REPORT.json [...]');
  process.exit(2);
}
const reports = files.map((f) => JSON.parse(readFileSync(f, 'utf8')));
const docs = new URL('../../docs/', import.meta.url);
const mdPath = new URL('benchmarks.md', docs);
const BEGIN = '<!-- REAL-GPU:BEGIN (bench/real-gpu/fold.mjs writes this section) -->';
const END = '<!-- REAL-GPU:END -->';
const section = [BEGIN, '## On real GPUs', '', ...reports.map((r) => renderReport(r, r.env) + '\n'), END].join('\n');
const md = readFileSync(mdPath, 'utf8');
const at = md.indexOf(BEGIN), end = md.indexOf(END);
const next = at >= 0 && end > at ? md.slice(0, at) + section + md.slice(end + END.length) : `${md.trimEnd()}\n\n${section}\n`;
writeFileSync(mdPath, next);
writeFileSync(new URL('real-gpu.json', docs), JSON.stringify(reports, null, 1) + '\n');
console.log(`folded ${files.length} report(s) into docs/benchmarks.md and docs/real-gpu.json`);
