/**
 * The body of a pool worker, as JavaScript source (the worker is started with `eval: true`, so
 * no separate file has to be found next to a bundle). It instantiates the kernel module on the
 * shared memory, then loops: wait for the generation word to change, then take tasks from the
 * shared queue (an atomic counter hands each task to exactly one thread) until none are left,
 * and count itself done. Queue layout (Int32 words at `queueWord`, written by `WasmRuntime`):
 * [nTasks, scratchStride, offset of each task..., tasks], a task being
 * [nCalls, (fnIndex, nArgs, relMask, ...args)*]; args whose bit is set in relMask get
 * tid * scratchStride added, so each thread works in its own scratch.
 * Control words: [0] generation, [1] workers still running, [2] stop flag, [3] a worker failed,
 * [4] next task.
 */
export const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
parentPort.once('message', (init) => {
  const { module, memory, names, queueWord, tid, generation, spin } = init;
  let fns = [], initError = null;
  try {
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    fns = names.map((n) => instance.exports[n]);
  } catch (err) {
    initError = err;
  }
  const ctrl = new Int32Array(memory.buffer, 0, 16);
  const q = new Int32Array(memory.buffer);
  const args = [];
  let seen = generation;
  for (;;) {
    let spins = 0;
    while (Atomics.load(ctrl, 0) === seen) {
      if (++spins > spin) Atomics.wait(ctrl, 0, seen);
    }
    seen = Atomics.load(ctrl, 0);
    if (Atomics.load(ctrl, 2) !== 0) return;
    try {
      if (initError) throw initError;
      const nTasks = q[queueWord], shift = tid * q[queueWord + 1];
      for (let i = Atomics.add(ctrl, 4, 1); i < nTasks; i = Atomics.add(ctrl, 4, 1)) {
        let p = queueWord + q[queueWord + 2 + i];
        const nCalls = q[p++];
        for (let c = 0; c < nCalls; c++) {
          const fn = fns[q[p]], n = q[p + 1], rel = q[p + 2];
          p += 3;
          args.length = n;
          for (let a = 0; a < n; a++) args[a] = q[p + a] + ((rel >> a) & 1) * shift;
          fn(...args);
          p += n;
        }
      }
    } catch (err) {
      // Report instead of dying silently: the main thread would otherwise wait forever.
      Atomics.store(ctrl, 3, 1);
      parentPort.postMessage(String(err && err.stack || err));
    }
    if (Atomics.sub(ctrl, 1, 1) === 1) Atomics.notify(ctrl, 1);
  }
});
`;
