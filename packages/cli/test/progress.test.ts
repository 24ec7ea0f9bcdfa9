import { describe, expect, it } from 'vitest';
import { progressBar } from '../src/progress.js';

/** A pipe-like stream (not a TTY) that keeps what is written. */
function pipe(): { stream: NodeJS.WriteStream; lines: () => string[] } {
  let text = '';
  const stream = { isTTY: false, write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WriteStream;
  return { stream, lines: () => text.split('\n').filter(Boolean) };
}

describe('progressBar on a pipe', () => {
  it('prints a line at each new tenth, and at least once a minute between them', () => {
    const { stream, lines } = pipe();
    let t = 0;
    const bar = progressBar('train', 1000, { stream, now: () => t });
    // 1..99: the first tenth; updates 30 s apart print one line a minute besides the tenth's own.
    for (let done = 0; done < 100; done++, t += 30_000) bar.update(done, `step ${done}`);
    const printed = lines();
    expect(printed[0]).toBe('train 0/1000 step 0');
    // 99 updates over 49.5 minutes: the first line, then one every 60 s (every second update).
    expect(printed).toHaveLength(50);
    expect(printed[1]).toBe('train 2/1000 step 2');
    // A new tenth prints at once, whatever the clock.
    bar.update(100, 'step 100');
    expect(lines().at(-1)).toBe('train 100/1000 step 100');
    bar.update(101, 'step 101');
    expect(lines().at(-1)).toBe('train 100/1000 step 100');
  });

  it('prints only the tenths while updates come faster than the minute', () => {
    const { stream, lines } = pipe();
    let t = 0;
    const bar = progressBar('eval', 100, { stream, now: () => t });
    for (let done = 0; done <= 100; done++, t += 100) bar.update(done);
    expect(lines()).toEqual(Array.from({ length: 11 }, (_, i) => `eval ${10 * i}/100 `));
  });

  it('prints notes as lines of their own, and nothing when quiet', () => {
    const { stream, lines } = pipe();
    const bar = progressBar('eval', 10, { stream });
    bar.update(3);
    bar.note!('AutoAttack member done');
    expect(lines().at(-1)).toBe('eval 3/10 AutoAttack member done');
    const quiet = progressBar('eval', 10, { stream, quiet: true });
    quiet.update(5);
    expect(lines()).toHaveLength(2);
  });
});
