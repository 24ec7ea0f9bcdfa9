import { afterEach } from 'vitest';

// Many tests run synchronously for seconds (training loops, attacks, leak tests). Back to back on a
// loaded machine they block the test worker for over a minute, and vitest then fails the run with
// 'Timeout calling onTaskUpdate', every test passing. A turn of the event loop after each test lets
// the runner's messages through.
afterEach(() => new Promise<void>((resolve) => { setImmediate(resolve); }));
