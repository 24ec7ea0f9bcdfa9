import { describe, expect, it } from 'vitest';
import { realGpuReport, type RealGpuReport } from '../bench/real-gpu/report.js';
import { renderReport } from '../bench/real-gpu/render.mjs';

// The device call that runs bench/real-gpu.sh has a hard time limit: the report must reach disk
// after every section (node-main.ts writes what onSection hands it) and say when it was cut off.
describe('real-GPU report (bench/real-gpu)', () => {
  it('hands over the report after every section, and a deadline skips the rest with a note', async () => {
    // How many notes the report held at each hand-over.
    const seen: number[] = [];
    const report = await realGpuReport({ mode: 'cpu', quick: true, deadlineMs: 0, onSection: (r: RealGpuReport) => seen.push(r.notes.length) });
    // Deadline 0: every section is skipped, each one noted and handed over as it is.
    expect(report.suites).toBeUndefined();
    expect(report.benchmarks).toEqual([]);
    expect(seen.length).toBe(report.notes.length);
    expect(seen).toEqual(report.notes.map((_, i) => i + 1));
    expect(report.notes[0]).toMatch(/^suites: skipped, past the deadline/);
    const md = renderReport({ ...report, complete: false }, { build: 'abc1234' });
    expect(md).toContain('cut off: the run ended before its last section');
    expect(md).toContain('Build abc1234.');
    expect(renderReport({ ...report, complete: true })).not.toContain('cut off');
  });
});
