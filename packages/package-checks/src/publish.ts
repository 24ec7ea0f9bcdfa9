import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './packages.js';
import { runOk, userEnv } from './run.js';
import type { LocalRegistry } from './verdaccio.js';

/**
 * pnpm as this repository pins it: the one running us, or the pinned version that npx finds
 * (asked with the user's own settings, before any publishing setting is in place).
 */
async function pnpm(): Promise<[string, string[]]> {
  const execPath = process.env.npm_execpath ?? '';
  if (/pnpm\.c?js$/.test(execPath)) return [process.execPath, [execPath]];
  const pinned = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { packageManager: string }).packageManager;
  const found = await runOk('npx', ['-y', '-p', pinned, '-c', 'command -v pnpm'], { cwd: ROOT, env: userEnv() });
  return [found.stdout.trim(), []];
}

/**
 * The environment every publishing command runs in: a user config of its own (the local
 * registry, its throwaway token, nothing else) and the registry set again by variable, so no
 * setting elsewhere can point a publish at another registry; tokens in the environment are dropped.
 */
function publishEnv(registry: LocalRegistry, dir: string): NodeJS.ProcessEnv {
  const userconfig = join(dir, 'publish.npmrc');
  const host = registry.url.replace(/^http:/, '');
  writeFileSync(userconfig, `registry=${registry.url}/\n@kwta:registry=${registry.url}/\n${host}/:_authToken=${registry.token}\n`);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/token|auth|^npm_config_/i.test(k)) env[k] = v;
  return { ...env, npm_config_userconfig: userconfig, npm_config_registry: `${registry.url}/` };
}

/**
 * Publish every non-private package under packages/ to the local registry with pnpm, which
 * rewrites `workspace:` ranges to versions. The registry pnpm would use is checked first: the
 * local one, or nothing is published.
 */
export async function publishAll(registry: LocalRegistry, dir: string): Promise<string> {
  const env = publishEnv(registry, dir);
  const [cmd, pre] = await pnpm();
  const seen = (await runOk(cmd, [...pre, 'config', 'get', 'registry'], { cwd: ROOT, env })).stdout.trim().replace(/\/$/, '');
  if (seen !== registry.url) throw new Error(`publish: pnpm would publish to ${seen}, not the local registry ${registry.url}; nothing published`);
  const args = [...pre, '-r', '--filter', './packages/*', 'publish', '--registry', `${registry.url}/`, '--no-git-checks', '--access', 'public'];
  return (await runOk(cmd, args, { cwd: ROOT, env, timeoutMs: 300_000 })).stdout;
}
