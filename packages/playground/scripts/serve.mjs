#!/usr/bin/env node
// Serves the built playground (dist/) as plain static files on localhost, with the two headers
// that make the page cross-origin isolated, so the engine's WebAssembly threads can share
// memory:
//   Cross-Origin-Opener-Policy: same-origin
//   Cross-Origin-Embedder-Policy: require-corp
// `--plain` leaves them out (the page then runs the engine on one thread and says so).
// Usage: node scripts/serve.mjs [--port 5173] [--plain] [--dir dist]
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
};

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.ico': 'image/x-icon', '.map': 'application/json',
};

/**
 * Start a static server for `dir` on 127.0.0.1 (`port` 0 picks a free one). Resolves to the
 * server and its origin. Paths outside `dir` are refused; a directory serves its index.html.
 */
export function serveStatic({ dir, port = 0, isolated = true }) {
  const root = resolve(dir);
  const server = createServer((req, res) => {
    const headers = isolated ? { ...ISOLATION_HEADERS } : {};
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    let file = resolve(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403, headers).end('forbidden');
      return;
    }
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      const size = statSync(file).size;
      res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': size, 'cache-control': 'no-cache' });
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const addr = server.address();
      done({ server, origin: `http://127.0.0.1:${addr.port}` });
    });
  });
}

const here = fileURLToPath(import.meta.url);
if (process.argv[1] && resolve(process.argv[1]) === here) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
  const dir = opt('--dir', fileURLToPath(new URL('../dist', import.meta.url)));
  const isolated = !args.includes('--plain');
  try {
    statSync(join(dir, 'index.html'));
  } catch {
    console.error(`serve: ${dir}/index.html not found; build first (npm run playground at the repository root builds and serves)`);
    process.exit(1);
  }
  const { origin } = await serveStatic({ dir, port: Number(opt('--port', '5173')), isolated });
  console.log(`kwta playground: ${origin}/`);
  console.log(isolated
    ? 'cross-origin isolated (COOP + COEP headers): the engine runs WebAssembly on several threads'
    : 'not isolated (--plain): the engine runs on one thread');
  console.log('Ctrl-C stops the server.');
}
