import { CommanderError, type Command } from 'commander';
import { KwtaError } from '@kwta/core';
import { describeFsError } from '@kwta/nn/node';
import { PROCESS_OUTPUT, buildProgram, type CliOutput } from './program.js';

/**
 * The command line's contract, in one place:
 * - success exits 0 (so do --help and --version);
 * - a usage error (a bad flag, option value or argument, a config, a file or directory the
 *   command cannot use: every KwtaError and file-system error) exits 2 with one line, naming
 *   what is wrong and ending in "see `kwta <cmd> --help`";
 * - anything else is a bug in kwta: exit 1 with one line saying so (the stack with --debug).
 */
export async function runCli(argv: readonly string[], io: CliOutput = PROCESS_OUTPUT): Promise<number> {
  const program = buildProgram(io);
  const args = argv.slice(2);
  if (args.length === 0) {
    io.err('kwta: no command given (see `kwta --help`)\n');
    return 2;
  }
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    const { code, text } = describeFailure(e, commandOf(program, args), args.includes('--debug'));
    if (text) io.err(`${text}\n`);
    return code;
  }
}

/** The exit code and the message of a failure of `kwta <cmd>` (cmd null: no command recognised). */
export function describeFailure(e: unknown, cmd: string | null, debug: boolean): { code: number; text: string } {
  const hint = `(see \`kwta${cmd ? ` ${cmd}` : ''} --help\`)`;
  const line = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();
  if (e instanceof CommanderError) {
    if (e.exitCode === 0) return { code: 0, text: '' };
    return { code: 2, text: `kwta: ${line(e.message.replace(/^error: /, ''))} ${hint}` };
  }
  if (e instanceof KwtaError) return { code: 2, text: `kwta: ${line(e.message)} ${hint}` };
  const sys = e as NodeJS.ErrnoException | null;
  if (sys && typeof sys.code === 'string' && typeof sys.syscall === 'string') {
    const where = sys.path ? ` '${sys.path}'` : '';
    return { code: 2, text: `kwta: cannot ${sys.syscall}${where}: ${describeFsError(e)} ${hint}` };
  }
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const text = `kwta: unexpected failure, a bug in kwta (please report it with the command line): ${line(message)}`;
  return { code: 1, text: debug && e instanceof Error && e.stack ? `${text}\n${e.stack}` : `${text} (run with --debug for the stack trace)` };
}

/** The subcommand named in `args` (global options and their values skipped), or null. */
function commandOf(program: Command, args: readonly string[]): string | null {
  const names = new Map(program.commands.flatMap((c) => [c.name(), ...c.aliases()].map((n) => [n, c.name()] as const)));
  const valued = new Set(program.options.filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short].filter(Boolean) as string[]));
  for (let i = 0; i < args.length; i++) {
    if (names.has(args[i])) return args[i];
    if (valued.has(args[i])) i++;
    else if (!args[i].startsWith('-')) return null;
  }
  return null;
}
