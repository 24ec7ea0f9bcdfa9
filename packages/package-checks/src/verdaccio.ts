import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A running local registry: its URL, a throwaway token that may publish to it, and how to stop it. */
export interface LocalRegistry {
  url: string;
  token: string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

// The registry runs under a bash watchdog whose EXIT trap stops it: when the test stops it, when
// the registry dies, and when the Node process that started it goes away for any reason (a
// crash, a kill), within a second. Nothing is left listening.
const WATCHDOG = `
"$NODE" "$VERDACCIO" --config "$CONFIG" --listen "$LISTEN" &
registry=$!
trap 'kill "$registry" 2>/dev/null; wait "$registry" 2>/dev/null' EXIT
trap 'exit 0' INT TERM
while kill -0 "$PARENT" 2>/dev/null && kill -0 "$registry" 2>/dev/null; do sleep 1; done
`;

/**
 * Start Verdaccio on 127.0.0.1 with its storage in `dir`. Every package, `@kwta/*` included, is
 * served from its own storage only: no uplink, so nothing is fetched from or sent to another
 * registry. Publishing needs a user; one is made with a random password and its token returned.
 */
export async function startRegistry(dir: string): Promise<LocalRegistry> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const local = { access: '$all', publish: '$authenticated', unpublish: '$authenticated' };
  const config = {
    storage: join(dir, 'storage'),
    auth: { htpasswd: { file: join(dir, 'htpasswd'), max_users: 1 } },
    uplinks: {},
    packages: { '@kwta/*': local, '**': local },
    max_body_size: '200mb',
    web: { enable: false },
    log: { type: 'stdout', format: 'pretty', level: 'warn' },
  };
  const configFile = join(dir, 'verdaccio.yaml');
  writeFileSync(configFile, JSON.stringify(config, null, 2)); // JSON is YAML
  const verdaccio = createRequire(import.meta.url).resolve('verdaccio/bin/verdaccio');
  const env = { ...process.env, NODE: process.execPath, VERDACCIO: verdaccio, CONFIG: configFile, LISTEN: `127.0.0.1:${port}`, PARENT: String(process.pid) };
  const child = spawn('bash', ['-c', WATCHDOG], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitForPing(url, child, () => log);
    return { url, token: await createUser(url), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function waitForPing(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited (${child.exitCode}) before answering:\n${log()}`);
    try {
      if ((await fetch(`${url}/-/ping`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`verdaccio did not answer at ${url} within 60 s:\n${log()}`);
}

/** Register a throwaway user (CouchDB's user API, as `npm adduser` does) and return its token. */
async function createUser(url: string): Promise<string> {
  const name = 'kwta-ci';
  const res = await fetch(`${url}/-/user/org.couchdb.user:${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: randomBytes(16).toString('hex'), type: 'user', roles: [], date: new Date().toISOString() }),
  });
  const body = (await res.json()) as { token?: string };
  if (!res.ok || !body.token) throw new Error(`verdaccio refused the user: ${res.status} ${JSON.stringify(body)}`);
  return body.token;
}
