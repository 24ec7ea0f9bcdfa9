#!/usr/bin/env node
// The `kwta` command (package.json "bin"): the built CLI, or one line saying how to build it. A
// file that exists before the build, so pnpm links the command at install time.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('kwta: the CLI is not built yet: run `npx -y pnpm@10.34.8 run build` in the repository (see `kwta --help` after that)\n');
  process.exit(2);
}
await import(main.href);
