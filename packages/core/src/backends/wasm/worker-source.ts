/**
 * The body of a pool worker, as JavaScript source: Node starts it with `eval: true`, a browser
 * from a Blob URL, so no separate file has to be found next to a bundle. It detects which of the
 * two it runs in, instantiates the kernel module on the shared memory, joins the pool, then
 * loops: take tasks from the shared queue until none are left, then wait for the generation
 * word to change (a new run was posted).
 *
 * A task is claimed with an atomic add on the `next` counter, and only then is the queue read:
 * the dispatcher writes the queue while the counter is closed (a huge value, so every claim
 * fails) and opens it by storing 0, so a claim that succeeds always sees the whole queue, and
 * the queue cannot be rewritten before every task of the run is done. The dispatcher waits for
 * the *tasks* (the `done` count), never for the workers: a worker that is still asleep, or has
 * not even started (a browser starts workers only when the creating thread yields), costs
 * nothing, and a worker that wakes late just finds the counter closed or takes what is left.
 *
 * Queue layout (Int32 words at `queueWord`, written by `WasmRuntime`):
 * [nTasks, scratchStride, offset of each task..., tasks], a task being
 * [nCalls, (fnIndex, nArgs, relMask, ...args)*]; args whose bit is set in relMask get
 * tid * scratchStride added, so each thread works in its own scratch.
 * Control words: [0] generation, [1] tasks done, [2] stop flag, [3] a worker failed,
 * [4] next task (CLOSED between runs), [6] workers joined, [7] tasks run by workers.
 */
export const CTRL = { generation: 0, done: 1, stop: 2, failed: 3, next: 4, joined: 6, workerTasks: 7 } as const;

/** The claim counter between runs: far above any task count, far below overflow. */
export const CLOSED = 1 << 30;

export const WORKER_SOURCE = `
const port = typeof require === 'function' ? require('node:worker_threads').parentPort : null;
const post = (m) => (port ? port.postMessage(m) : self.postMessage(m));
const onInit = (f) => (port ? port.once('message', f) : self.addEventListener('message', (e) => f(e.data), { once: true }));
onInit((init) => {
  const { module, memory, names, queueWord, tid, spin } = init;
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
  let seen = Atomics.load(ctrl, ${CTRL.generation});
  Atomics.add(ctrl, ${CTRL.joined}, 1);
  Atomics.notify(ctrl, ${CTRL.joined});
  post({ ready: tid });
  for (;;) {
    for (;;) {
      const i = Atomics.add(ctrl, ${CTRL.next}, 1);
      const nTasks = q[queueWord];
      if (i >= nTasks) break;
      try {
        if (initError) throw initError;
        const shift = tid * q[queueWord + 1];
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
      } catch (err) {
        // Report instead of dying silently; the task still counts as done, so nobody hangs.
        Atomics.store(ctrl, ${CTRL.failed}, 1);
        post({ error: String((err && err.stack) || err) });
      }
      Atomics.add(ctrl, ${CTRL.workerTasks}, 1);
      if (Atomics.add(ctrl, ${CTRL.done}, 1) + 1 === nTasks) Atomics.notify(ctrl, ${CTRL.done});
    }
    let spins = 0;
    while (Atomics.load(ctrl, ${CTRL.generation}) === seen) {
      if (++spins > spin) Atomics.wait(ctrl, ${CTRL.generation}, seen);
    }
    seen = Atomics.load(ctrl, ${CTRL.generation});
    if (Atomics.load(ctrl, ${CTRL.stop}) !== 0) return;
  }
});
`;
