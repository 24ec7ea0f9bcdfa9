#!/usr/bin/env node
import { runCli } from './run-cli.js';

// Exit codes and messages: run-cli.ts. A failure exits at once (a training run may hold workers).
const code = await runCli(process.argv);
if (code !== 0) process.exit(code);
