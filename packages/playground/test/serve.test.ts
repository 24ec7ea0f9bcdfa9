import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { ISOLATION_HEADERS, serveStatic } from '../scripts/serve.mjs';

const dir = mkdtempSync(join(tmpdir(), 'kwta-serve-'));
mkdirSync(join(dir, 'site', 'assets'), { recursive: true });
writeFileSync(join(dir, 'site', 'index.html'), '<!doctype html><title>t</title>');
writeFileSync(join(dir, 'site', 'assets', 'a.js'), 'export {}');
writeFileSync(join(dir, 'secret.txt'), 'outside the site');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A raw GET (the path sent as written, so '..' reaches the server). */
function get(origin: string, path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the static server (npm run playground)', () => {
  it('sends the cross-origin isolation headers by default and none with --plain', async () => {
    const on = await serveStatic({ dir: join(dir, 'site') });
    const off = await serveStatic({ dir: join(dir, 'site'), isolated: false });
    try {
      const a = await get(on.origin, '/');
      expect(a.status).toBe(200);
      expect(a.body).toContain('<title>t</title>');
      for (const [k, v] of Object.entries(ISOLATION_HEADERS)) expect(a.headers[k]).toBe(v);
      expect(a.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(a.headers['cross-origin-embedder-policy']).toBe('require-corp');
      const js = await get(on.origin, '/assets/a.js');
      expect(js.headers['content-type']).toMatch(/^text\/javascript/);
      const b = await get(off.origin, '/');
      expect(b.status).toBe(200);
      expect(b.headers['cross-origin-embedder-policy']).toBeUndefined();
    } finally {
      on.server.close();
      off.server.close();
    }
  });

  it('serves nothing outside its folder, and 404 for what is not there', async () => {
    const s = await serveStatic({ dir: join(dir, 'site') });
    try {
      expect((await get(s.origin, '/../secret.txt')).body).not.toContain('outside');
      expect((await get(s.origin, '/%2e%2e/secret.txt')).body).not.toContain('outside');
      const encoded = await get(s.origin, '/..%2fsecret.txt');
      expect(encoded.status).toBe(403);
      expect(encoded.body).not.toContain('outside');
      expect((await get(s.origin, '/nope.js')).status).toBe(404);
    } finally {
      s.server.close();
    }
  });
});
