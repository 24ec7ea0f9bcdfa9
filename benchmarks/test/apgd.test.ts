import { describe, expect, it } from 'vitest';
import { findTorch } from '../src/contenders/pytorch.js';
import { resolveSuites, runSuite } from '../src/index.js';

describe('apgd suite (quick)', () => {
  it('runs APGD-CE in kwta and, where PyTorch is installed, the same algorithm in PyTorch, agreeing on the accuracies', async () => {
    const [suite] = resolveSuites(['apgd']);
    const r = await runSuite(suite, { mode: 'quick' });
    expect(r.cases.map((c) => c.id)).toEqual(['APGD-CE ReLU', 'APGD-CE k-WTA-0.1']);
    for (const c of r.cases) {
      expect(c.agrees).toBe(true);
      expect(Object.keys(c.contenders)[0]).toBe('kwta-wasm');
      if (findTorch().available) {
        expect(Object.keys(c.contenders)).toHaveLength(2);
        expect(c.ratios[0].target).toEqual({ min: 1 });
      }
    }
    expect(r.notes.some((n) => n.includes('gradient evaluations'))).toBe(true);
  }, 600_000);
});
