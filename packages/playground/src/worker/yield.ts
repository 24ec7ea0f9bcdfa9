/**
 * Let the worker's event loop run (page messages such as pause or stop arrive here) and come
 * back as soon as it has: a MessageChannel task, which is not clamped as nested timeouts are.
 */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}
