import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { EvaluationReport, MaskingCheck } from '@kwta/attacks';
import { CliError, readEval, verdicts, type EvalSummary } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kwta-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An evaluation as kwta eval writes it, with the harness's check as given. */
function summary(attacks: { name: string; kind: string; accuracy: number }[], robust: number, check: MaskingCheck | null): EvalSummary {
  const report = {
    examples: 20, cleanAccuracy: 0.95, robustAccuracy: robust, strongestAttack: null, robust: [], flags: [],
    attacks: attacks.map((a) => ({ ...a, eps: 0.3, norm: 'Linf', meanNorm: null, meanForwards: 1, meanGradients: 1, seconds: 1 })),
    checks: check ? [check] : [],
  } as unknown as EvaluationReport;
  return { run: 'r', label: 'mnist-cnn k-WTA-0.1 natural', config: {} as never, settings: {} as never, report, seconds: 1 };
}

const whiteBeatsBlack = (passed: boolean, detail: string): MaskingCheck => ({ name: 'white-box-beats-black-box', passed, detail, data: {} });

describe('the report\'s verdict is the harness\'s check, in words', () => {
  it('the case of the issue: a drop the harness tolerates (3/n with 20 examples) is not called gradient masking', () => {
    const s = summary([{ name: 'PGD', kind: 'white-box', accuracy: 0.3 }, { name: 'Square', kind: 'black-box', accuracy: 0.2 }], 0.2,
      whiteBeatsBlack(true, 'best standard white-box accuracy 30.0% is not beaten'));
    const [v] = verdicts([s]);
    expect(v).not.toContain('does NOT hold');
    expect(v).toContain('holds against the adaptive attacks tried here: best standard white-box accuracy 30.0% is not beaten');
  });

  it('for any accuracies, the headline says "does NOT hold" exactly when the check failed, and quotes it', () => {
    fc.assert(fc.property(
      fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.option(fc.boolean(), { nil: null }),
      fc.string({ minLength: 1, maxLength: 30 }).filter((t) => !t.includes('\n')),
      (white, other, passed, detail) => {
        const check = passed === null ? null : whiteBeatsBlack(passed, detail);
        const [v] = verdicts([summary([{ name: 'PGD', kind: 'white-box', accuracy: white }, { name: 'BPDA', kind: 'adaptive', accuracy: other }], Math.min(white, other), check)]);
        expect(v.includes('does NOT hold')).toBe(passed === false);
        if (check) expect(v).toContain(detail);
        else expect(v).toContain('There is no verdict: the gradient-masking check did not run');
      },
    ));
  });
});

describe('kwta report refuses what is not an evaluation', () => {
  it.each([
    ['{"a":1}', 'no report'],
    ['null', 'expected a JSON object, got null'],
    ['{"label":"x","report":{"attacks":"no","checks":[]}}', 'report.attacks must be a list'],
  ])('%s', (text, why) => {
    const path = join(dir, `e${why.length}.json`);
    writeFileSync(path, text);
    expect(() => readEval(path)).toThrow(CliError);
    expect(() => readEval(path)).toThrow(`'${path}' is not an evaluation written by kwta eval: ${why}`);
  });
});
