import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { describeFailure, runCli } from '../src/index.js';

const BIN = join(__dirname, '..', 'dist', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'kwta-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run the CLI in this process, capturing what it prints. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await runCli(['node', 'kwta', ...args], { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

/** The real binary, run asynchronously so a loaded machine does not time out the test runner's messages. */
function bin(...args: string[]): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  return command(process.execPath, [BIN, ...args]);
}

function command(file: string, args: string[], cwd?: string): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, timeout: 60_000 });
    let out = '', err = '';
    child.stdout.on('data', (d: Buffer) => void (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => void (err += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err, ms: Date.now() - started }));
  });
}

const ONE_LINE = (cmd: string | null) => new RegExp(`^kwta: [^\\n]+ \\(see \`kwta${cmd ? ` ${cmd}` : ''} --help\`\\)\\n$`);

// Malformed command lines: a valid start with exactly one thing wrong. Each must exit 2 with one
// line that ends by pointing at the command's help, and print nothing on stdout.
const NUMERIC: Record<string, string[]> = {
  train: ['--epochs', '--batch-size', '--lr', '--momentum', '--weight-decay', '--eps', '--attack-steps', '--trades-beta', '--free-replays', '--hidden', '--train-limit', '--seed', '--milestones'],
  eval: ['--eps', '--steps', '--step-size', '--eot-steps', '--queries', '--examples', '--batch-size', '--seed', '--eot-samples', '--iterations', '--restarts', '--memory-budget', '--budget'],
  bench: ['--reps'],
  experiment: ['--seed'],
  reproduce: ['--seed'],
};
const START: Record<string, string[]> = {
  train: ['train', '--out', join(dir, 'never')],
  eval: ['eval', '--run', join(dir, 'never')],
  bench: ['bench'],
  experiment: ['experiment', 'figure1', '--out', join(dir, 'never-exp')],
  reproduce: ['reproduce', '--out', join(dir, 'never-rep')],
};
const BAD_NUMBERS = ['abc', '-1', '1.5e999', 'NaN', '', ' ', '0x', '-0.5', 'Infinity', '2,x'];
const malformed = fc.oneof(
  // A numeric option with a value that is not one.
  fc.constantFrom(...Object.keys(NUMERIC)).chain((cmd) => fc.tuple(fc.constant(cmd), fc.constantFrom(...NUMERIC[cmd]), fc.constantFrom(...BAD_NUMBERS))
    .map(([c, opt, v]) => ({ cmd: c, args: [...START[c], opt, v] }))),
  // An option nobody has.
  fc.tuple(fc.constantFrom(...Object.keys(START)), fc.stringMatching(/^[a-z]{3,10}$/)).map(([cmd, w]) => ({ cmd, args: [...START[cmd], `--zz${w}`] })),
  // An option given without its value.
  fc.constantFrom(...Object.keys(NUMERIC)).chain((cmd) => fc.constantFrom(...NUMERIC[cmd]).map((opt) => ({ cmd, args: [...START[cmd], opt] }))),
  // A value outside an option's choices, or a bad activation spec.
  fc.constantFrom(
    { cmd: 'train', args: ['train', '--model', 'lenet'] }, { cmd: 'train', args: ['train', '--method', 'pgd'] },
    { cmd: 'train', args: ['train', '--optimizer', 'rmsprop'] }, { cmd: 'train', args: ['train', '--activation', 'kwta:2'] },
    { cmd: 'train', args: ['train', '--activation', 'swish'] }, { cmd: 'train', args: ['train', '--sparsity', '1,2'] },
    { cmd: 'train', args: ['train', '--resume', '--overwrite', '--out', join(dir, 'never')] },
    { cmd: 'eval', args: ['eval'] }, { cmd: 'eval', args: ['eval', '--run', 'a', '--weights', 'b'] },
    { cmd: 'eval', args: ['eval', '--weights', 'b.pth'] },
    { cmd: 'eval', args: ['eval', '--run', join(dir, 'never'), '--norm', 'l3'] }, { cmd: 'eval', args: ['eval', '--run', join(dir, 'never'), '--version', 'fast'] },
    { cmd: 'eval', args: ['eval', '--run', join(dir, 'never'), '--targets', 'rank-x'] }, { cmd: 'eval', args: ['eval', '--run', join(dir, 'never'), '--shard', '5/2'] },
    { cmd: 'eval', args: ['eval', '--run', join(dir, 'never'), '--attacks', 'pgd,nope'] },
    { cmd: 'report', args: ['report'] }, { cmd: 'convert', args: ['convert', 'a.pth'] },
    { cmd: 'experiment', args: ['experiment'] }, { cmd: 'experiment', args: ['experiment', 'table9'] },
    { cmd: 'train', args: ['train', 'extra-argument'] },
  ),
  // A command nobody has.
  fc.stringMatching(/^[a-z]{4,9}$/).filter((w) => !['train', 'eval', 'attack', 'attacks', 'convert', 'report', 'bench', 'experiment', 'reproduce', 'help'].includes(w))
    .map((w) => ({ cmd: null as string | null, args: [w] })),
);

describe('the CLI contract', () => {
  it('malformed arguments: exit 2, one line naming what is wrong, pointing at the command\'s help, nothing on stdout', async () => {
    await fc.assert(fc.asyncProperty(malformed, async ({ cmd, args }) => {
      const r = await cli('--backend', 'js', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(ONE_LINE(cmd));
      expect(r.out).toBe('');
    }), { numRuns: 150, seed: 20 });
  });

  it('--help exits 0 on stdout; no command is a usage error', async () => {
    const help = await cli('train', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: kwta train');
    expect(await cli()).toEqual({ code: 2, out: '', err: 'kwta: no command given (see `kwta --help`)\n' });
  });

  it('an unexpected failure exits 1 with one line saying it is a bug; --debug adds the stack', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    const plain = describeFailure(bug, 'train', false);
    expect(plain.code).toBe(1);
    expect(plain.text).toBe("kwta: unexpected failure, a bug in kwta (please report it with the command line): TypeError: Cannot read properties of undefined (reading 'x') (run with --debug for the stack trace)");
    const debug = describeFailure(bug, 'train', true);
    expect(debug.text.split('\n')[1]).toMatch(/^TypeError: Cannot read properties/);
    expect(describeFailure(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', syscall: 'open', path: '/x/y' }), 'eval', false))
      .toEqual({ code: 2, text: "kwta: cannot open '/x/y': EACCES (permission denied) (see `kwta eval --help`)" });
  });
});

describe('the binary, on the problems of issue 20', () => {
  it('a parser usage error exits 2 with one line, not the whole help', async () => {
    const r = await bin('train', '--bogus');
    expect(r.code).toBe(2);
    expect(r.err).toBe("kwta: unknown option '--bogus' (see `kwta train --help`)\n");
  });

  it.each([['/proc/kwta-x'], ['/proc/kwta-x/deeper']])('--out %s fails at once, exit 2, one line (it used to spin forever)', async (out) => {
    const r = await bin('--backend', 'js', 'train', '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^kwta: cannot create directory '${out}' \\(at '/proc/kwta-x'\\): ENOENT .*\\n$`));
    expect(r.ms).toBeLessThan(3000); // Node start and loading the CLI included; the refusal itself takes milliseconds (experiments test/run-dir.test.ts)
  });

  it('a rerun with another definition is refused with the differences; nothing is relabelled', async () => {
    const out = join(dir, 'a');
    const tiny = ['--backend', 'js', 'train', '--model', 'mlp', '--hidden', '16', '--epochs', '1', '--train-limit', '200', '--seed', '7', '--out', out, '--quiet'];
    expect((await bin(...tiny)).code).toBe(0);
    const config = readFileSync(join(out, 'config.json'), 'utf8'), weights = readFileSync(join(out, 'model.safetensors'));
    const again = await bin(...tiny, '--activation', 'relu', '--method', 'at');
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/^kwta: '.*' holds a different run: activation \(recorded kwta:0\.1, now relu\), method \(recorded natural, now at\)\. Pass --resume to continue the recorded run as it was defined, or --overwrite to start over with these options \(see `kwta train --help`\)\n$/);
    expect(readFileSync(join(out, 'config.json'), 'utf8')).toBe(config);
    expect(readFileSync(join(out, 'model.safetensors')).equals(weights)).toBe(true);
    // --resume with nothing else: the recorded run, as it was (here already complete).
    const resumed = await bin('--backend', 'js', 'train', '--out', out, '--resume', '--json');
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.out).label).toBe('mlp k-WTA-0.1 natural');
  }, 120_000);

  it('eval and report: whole paths, a null config, a directory as --out, a file that is not an evaluation', async () => {
    const missing = await bin('eval', '--run', `${join(dir, 'nope')}/`);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`run directory '${join(dir, 'nope')}/' has no config.json (${join(dir, 'nope', 'config.json')})`);
    const nullRun = join(dir, 'null-run');
    mkdirSync(nullRun);
    writeFileSync(join(nullRun, 'config.json'), 'null');
    const nul = await bin('eval', '--run', nullRun);
    expect(nul.code).toBe(2);
    expect(nul.err).toMatch(ONE_LINE('eval'));
    expect(nul.err).toContain('is not a run config: expected a JSON object, got null');
    const dirOut = await bin('eval', '--run', join(dir, 'a'), '--out', dir, '--examples', '5');
    expect(dirOut.code).toBe(2);
    expect(dirOut.err).toBe(`kwta: cannot write '${dir}': it is a directory (see \`kwta eval --help\`)\n`);
    const notEval = join(dir, 'not-eval.json');
    writeFileSync(notEval, '{"a":1}');
    const rep = await bin('report', notEval, '--out', join(dir, 'rep'));
    expect(rep.code).toBe(2);
    expect(rep.err).toBe(`kwta: '${notEval}' is not an evaluation written by kwta eval: no report (see \`kwta report --help\`)\n`);
  }, 120_000);
});

describe('kwta on the PATH', () => {
  it('npx kwta --help works from the repository root after install and build', async () => {
    const root = join(__dirname, '..', '..', '..');
    const r = await command('npx', ['--no-install', 'kwta', '--help'], root);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^Usage: kwta \[options\] \[command\]/);
    expect(r.out).toContain('train [options]');
  });
});
