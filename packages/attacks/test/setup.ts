import { afterEach } from 'vitest';

// Many tests here run synchronously for seconds: a turn of the event loop after each lets the test
// runner's messages through (back to back under load they blocked the worker long enough for vitest
// to fail the run with 'Timeout calling onTaskUpdate', every test passing). As train's recipes test.
afterEach(() => new Promise<void>((resolve) => { setImmediate(resolve); }));
