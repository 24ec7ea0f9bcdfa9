import { describe, expect, it } from 'vitest';

// The shared vitest setup (vitest.setup.ts at the root) turns the event loop after every test, so
// long synchronous tests back to back cannot starve the runner's messages. This file checks it is
// wired in: a macrotask queued in one test has run before the next starts.
describe('the test setup', () => {
  let ran = false;
  it('queues a macrotask', () => {
    setImmediate(() => { ran = true; });
  });
  it('has run it before the next test', () => {
    expect(ran).toBe(true);
  });
});
