import { build } from 'esbuild';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';

/** Bundle the browser entry (core + the scenario) into one IIFE script, used by page and worker. */
export async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./entry.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

/**
 * Serve the page and the bundle on 127.0.0.1. `/` is cross-origin isolated (COOP + COEP, what a
 * site must send for SharedArrayBuffer); `/plain` is not, so the backend must run on one thread.
 */
export async function serve(script: string): Promise<{ origin: string; server: Server }> {
  const page = '<!doctype html><html><head><meta charset="utf-8"><title>kwta wasm</title></head><body><script src="/bundle.js"></script></body></html>';
  const isolation = {
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
    'cross-origin-resource-policy': 'same-origin',
  };
  const server = createServer((req, res) => {
    const plain = req.url?.startsWith('/plain') || req.headers.referer?.includes('/plain');
    const headers = plain ? {} : isolation;
    if (req.url === '/bundle.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', ...headers });
      res.end(script);
    } else {
      res.writeHead(200, { 'content-type': 'text/html', ...headers });
      res.end(page);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return { origin: `http://127.0.0.1:${addr.port}`, server };
}
