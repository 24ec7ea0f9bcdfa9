import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { setSparsePath, type SparsePathMode } from '@kwta/core';
import { DATASET_HELP, EXPERIMENTS, runExperiment, runTrain } from '@kwta/experiments/node';
import { MODEL_NAMES, activationSyntax } from '@kwta/nn';
import { AUTOATTACK_VERSIONS, NORMS, parseShard } from '@kwta/attacks';
import { ATTACK_CHOICES, DEFAULT_ATTACK_SETTINGS, attackList, parseNorm, parseTargets, parseVersion } from './attacks.js';
import { BACKENDS, useBackend } from './backend-choice.js';
import { BENCH_HIDDEN, benchActivations, benchTrainingStep, firstMnistBatch, formatBench, formatProfile, profileTrainingStep } from './commands/bench.js';
import { evalOutput, isShard, runEval } from './commands/eval.js';
import { formatEvalTable } from './commands/eval-table.js';
import { runReport } from './commands/report.js';
import { runReproduce } from './commands/reproduce.js';
import { runPaperScale } from './commands/paper-scale.js';
import { formatConvert, runConvert } from './commands/convert.js';
import { progressBars } from './progress.js';
import { CliError, parseNumber, parsePositiveInt, parseSeed } from './spec.js';
import { trainMode } from './train-mode.js';
import { addWeightsOptions, weightsFromOptions } from './weights.js';

type Opts = Record<string, unknown>;

/** Where the command line prints (the process's streams; tests capture them). */
export interface CliOutput {
  /** Standard output (help, results). */
  out: (text: string) => void;
  /** Standard error (error lines). */
  err: (text: string) => void;
}

export const PROCESS_OUTPUT: CliOutput = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };

/**
 * Options come from flags, else from --config (a JSON object keyed by option name, camelCase or
 * kebab-case), else from defaults. Unknown config keys are errors, so typos do not pass silently.
 */
function withConfig(cmd: Command): Opts {
  const opts = cmd.opts() as Opts;
  const path = opts.config as string | undefined;
  if (!path) return opts;
  const fromFile = new Set<string>();
  let file: Opts;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as Opts;
  } catch (e) {
    throw new CliError(`--config ${path}: ${(e as Error).message}`);
  }
  if (typeof file !== 'object' || file === null || Array.isArray(file)) throw new CliError(`--config ${path}: expected a JSON object`);
  const known = new Map(cmd.options.map((o) => [o.attributeName(), o]));
  for (const [rawKey, value] of Object.entries(file)) {
    const key = rawKey.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!known.has(key) || key === 'config') throw new CliError(`--config ${path}: unknown option '${rawKey}' for 'kwta ${cmd.name()}'`);
    if (cmd.getOptionValueSource(key) !== 'cli') {
      opts[key] = Array.isArray(value) ? value.join(',') : String(value);
      fromFile.add(key);
    }
  }
  configKeys.set(cmd, fromFile);
  return opts;
}

/** Options set from --config files, per command (given explicitly, as flags are). */
const configKeys = new WeakMap<Command, Set<string>>();

/** Was option `key` given (as a flag or in --config), rather than left at its default? */
export const given = (cmd: Command, key: string): boolean => cmd.getOptionValueSource(key) === 'cli' || (configKeys.get(cmd)?.has(key) ?? false);

const list = (v: unknown) => String(v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const nonNeg = (name: string, v: unknown, fallback: number) => parseNumber(name, v as string, fallback, (n) => n >= 0 && Number.isFinite(n), 'a number >= 0');

/**
 * The `kwta` command line, made fresh for each run (commander keeps parsed values on the
 * objects). It parses and wires: the recipes are @kwta/experiments'. Errors and exit codes are
 * run-cli.ts's.
 */
export function buildProgram(io: CliOutput = PROCESS_OUTPUT): Command {
  const print = (text: string) => io.out(`${text}\n`);
  const program = new Command('kwta')
    .description('k-Winners-Take-All and adversarial robustness: train, attack, report, benchmark')
    .addOption(new Option('--backend <name>', 'compute backend: wasm (SIMD, all cores), js (pure TypeScript), gpujs').choices([...BACKENDS]).default('wasm'))
    .option('--gpu-mode <mode>', 'gpu.js mode for --backend gpujs: cpu, webasm, headlessgl')
    .option('--debug', 'on an unexpected failure, print its stack trace')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: () => {} })
    .hook('preAction', async () => {
      const g = program.opts() as Opts;
      await useBackend(String(g.backend), g.gpuMode as string | undefined);
    });

  program.command('train')
    .description('train a model and write a run directory (config.json, model.safetensors, checkpoint, train.json)')
    .option('--config <file>', 'JSON file with any of these options')
    .addOption(new Option('--model <name>', 'model').choices([...MODEL_NAMES]).default('mnist-cnn'))
    .option('--activation <spec>', activationSyntax().join(' | '), 'kwta:0.1')
    .addOption(new Option('--method <m>', 'training method').choices(['natural', 'at', 'trades', 'free']).default('natural'))
    .option('--dataset <spec>', DATASET_HELP, 'mnist')
    .option('--epochs <n>', 'epochs', '2')
    .option('--batch-size <n>', 'batch size', '64')
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(['sgd', 'adam']).default('adam'))
    .option('--lr <x>', 'learning rate', '0.001')
    .option('--momentum <x>', 'SGD momentum', '0.9')
    .option('--weight-decay <x>', 'weight decay', '0')
    .option('--milestones <list>', 'epochs where the learning rate drops 10x (paper CIFAR: 50)', '')
    .option('--eps <x>', 'L-inf radius for at/trades/free', '0.3')
    .option('--attack-steps <n>', 'inner PGD steps for at/trades (paper: 8)', '8')
    .option('--trades-beta <x>', 'TRADES beta = 1/lambda (paper: 6)', '6')
    .option('--free-replays <n>', 'free adversarial training replays m (paper: 8)', '8')
    .option('--hidden <n>', 'hidden width (mnist-cnn: paper code 20000; mlp)')
    .option('--sparsity <list>', 'incremental sparsity gamma0,gamma1,delta,initialEpochs[,epochsPerStep] (paper: 0.2,0.1,0.005,50,2)')
    .option('--train-limit <n>', 'use only the first n training examples')
    .option('--seed <n>', 'seed for everything random', '1')
    .option('--out <dir>', 'run directory (default runs/<model>-<activation>-<method>)')
    .option('--resume', 'continue the run recorded in --out as it was defined (options not given take its values; --epochs may grow)')
    .option('--overwrite', 'remove the run in --out and start over with these options')
    .option('--quiet', 'no progress output')
    .option('--json', 'print the summary as JSON')
    .action((_o: Opts, cmd: Command) => {
      const o = trainMode(withConfig(cmd), (key) => given(cmd, key));
      const bars = progressBars(!!o.quiet || !!o.json);
      const fullSize = o.model === 'mnist-cnn' && o.hidden === undefined && !o.quiet && !o.json;
      const sparsity = o.sparsity ? list(o.sparsity).map(Number) : undefined;
      if (sparsity && (sparsity.length < 4 || sparsity.some((v) => !Number.isFinite(v)))) throw new CliError(`--sparsity needs gamma0,gamma1,delta,initialEpochs[,epochsPerStep], got '${String(o.sparsity)}'`);
      const summary = runTrain({
        model: o.model as never, activation: String(o.activation), method: o.method as never, dataset: String(o.dataset),
        epochs: parsePositiveInt('epochs', o.epochs as string), batchSize: parsePositiveInt('batch-size', o.batchSize as string),
        optimizer: o.optimizer as 'sgd' | 'adam', lr: nonNeg('lr', o.lr, 1e-3), momentum: nonNeg('momentum', o.momentum, 0.9),
        weightDecay: nonNeg('weight-decay', o.weightDecay, 0), milestones: list(o.milestones).map((v) => parsePositiveInt('milestones', v)),
        eps: nonNeg('eps', o.eps, 0.3), attackSteps: parsePositiveInt('attack-steps', o.attackSteps as string),
        tradesBeta: nonNeg('trades-beta', o.tradesBeta, 6), freeReplays: parsePositiveInt('free-replays', o.freeReplays as string),
        hidden: o.hidden === undefined ? undefined : parsePositiveInt('hidden', o.hidden as string),
        trainLimit: o.trainLimit === undefined ? undefined : parsePositiveInt('train-limit', o.trainLimit as string),
        seed: parseSeed('seed', o.seed as string | undefined), sparsity, out: String(o.out), mode: o.mode,
        // Said when training starts, after every check passed: a refused command prints one line.
        progress: (label, total) => {
          if (fullSize) io.err("note: mnist-cnn's hidden layer has the paper's 20000 units (63,005,002 parameters, hours and GBs to train on a CPU); --hidden 256 gives 870,634\n");
          return bars(label, total);
        },
      });
      if (o.json) print(JSON.stringify(summary, null, 2));
      else print(`${summary.label}: test accuracy ${(100 * summary.testAccuracy).toFixed(2)}% (${summary.seconds.toFixed(0)} s) -> ${summary.out}`);
    });

  const optionalInt = (name: string, v: unknown) => (v === undefined ? undefined : parsePositiveInt(name, v as string));

  for (const name of ['eval', 'attack']) {
    addWeightsOptions(program.command(name)
      .description(name === 'eval' ? 'attack a trained run (or --weights from PyTorch) and report clean, per-attack and worst-case accuracy' : 'alias of eval')
      .option('--config <file>', 'JSON file with any of these options')
      .option('--run <dir>', 'run directory written by kwta train'))
      .option('--attacks <list>', `comma-separated (kwta attacks lists them): ${ATTACK_CHOICES.join(', ')}`, 'pgd,eot,bpda,square')
      .option('--eps <x>', 'radius of the threat model', String(DEFAULT_ATTACK_SETTINGS.eps))
      .option('--norm <norm>', `threat model: ${NORMS.join(', ')}`, DEFAULT_ATTACK_SETTINGS.norm)
      .option('--version <v>', `AutoAttack's version: ${AUTOATTACK_VERSIONS.join(', ')}`, 'standard')
      .option('--steps <n>', 'steps of PGD/MIM/BPDA/CW-Linf/transfer', String(DEFAULT_ATTACK_SETTINGS.steps))
      .option('--step-size <x>', 'their step size', String(DEFAULT_ATTACK_SETTINGS.stepSize))
      .option('--iterations <n>', 'iterations of APGD, APGD-T, FAB, FAB-T, DeepFool, kwta-adaptive and AutoAttack\'s members (default: 100; DeepFool 20)')
      .option('--restarts <n>', 'restarts of the attacks that take them (default: each attack\'s)')
      .option('--queries <n>', 'Square\'s query budget, AutoAttack\'s Square\'s too (default 5000)')
      .option('--eot-steps <n>', 'gradient-estimation PGD steps (of eps / 8)', String(DEFAULT_ATTACK_SETTINGS.estimation?.steps))
      .option('--eot-samples <list>', 'its samples: initial,max,doubleEvery', '16,128,10')
      .option('--budget <x>', 'kwta-adaptive: fraction of the published sample schedule, in (0, 1] (default 1)')
      .option('--targets <list>', 'a targeted evaluation, every attack once per choice: random, least-likely, rank-<r>, top-<k>')
      .option('--examples <n>', 'test examples to attack', '100')
      .option('--batch-size <n>', 'examples per attack batch', '100')
      .option('--memory-budget <MiB>', 'live tensor memory one model call of an attack may hold; larger calls run in chunks with the same results (default 512)')
      .option('--shard <i/n>', 'evaluate shard i of n (0-based; a SLURM array or Kubernetes indexed-Job index): writes a shard file that kwta report merges')
      .option('--state <file>', 'state file, written after every batch and resumed when it exists (default: next to the output, <out>.state.json)')
      .option('--fresh', 'ignore an existing state file and start over')
      .option('--no-checks', 'skip the gradient-masking checks')
      .option('--sanity', 'add AutoAttack\'s model sanity checks (randomised outputs, probabilities as outputs, zero gradients)')
      .option('--seed <n>', 'seed', '1')
      .option('--out <file>', 'where to write the JSON (default <run>/eval.json, or <weights>.eval.json; shards add .shard-<i>-of-<n>)')
      .option('--quiet', 'no progress output')
      .option('--json', 'print the result as JSON')
      .action((_o: Opts, cmd: Command) => {
        const o = withConfig(cmd);
        const samples = list(o.eotSamples).map((v) => parsePositiveInt('eot-samples', v));
        if (samples.length !== 3) throw new CliError(`--eot-samples needs initial,max,doubleEvery, got '${String(o.eotSamples)}'`);
        const budget = o.budget === undefined ? undefined : parseNumber('budget', o.budget as string, 1, (b) => b > 0 && b <= 1, 'a number in (0, 1]');
        const memory = o.memoryBudget === undefined ? undefined : parseNumber('memory-budget', o.memoryBudget as string, 512, (m) => m > 0, 'a number of MiB > 0');
        let shard;
        try {
          shard = o.shard === undefined ? undefined : parseShard(String(o.shard));
        } catch (e) {
          throw new CliError(`--shard: ${(e as Error).message}`);
        }
        const run = o.run as string | undefined, weights = weightsFromOptions(o), out = o.out as string | undefined;
        const eps = nonNeg('eps', o.eps, 0.3);
        const summary = runEval({
          run, weights, attacks: list(o.attacks),
          settings: {
            eps, norm: parseNorm(o.norm), version: parseVersion(o.version),
            steps: parsePositiveInt('steps', o.steps as string), stepSize: nonNeg('step-size', o.stepSize, 0.03),
            iterations: optionalInt('iterations', o.iterations), restarts: optionalInt('restarts', o.restarts), queries: optionalInt('queries', o.queries),
            estimation: { steps: parsePositiveInt('eot-steps', o.eotSteps as string), stepSize: eps / 8, samples: { initial: samples[0], max: samples[1], doubleEvery: samples[2] } },
            budget,
          },
          examples: parsePositiveInt('examples', o.examples as string), batchSize: parsePositiveInt('batch-size', o.batchSize as string),
          seed: parseSeed('seed', o.seed as string | undefined), checks: o.checks === false ? false : { sanity: !!o.sanity }, targets: o.targets ? parseTargets(list(o.targets)) : undefined,
          shard, state: o.state as string | undefined, fresh: !!o.fresh, memoryBudget: memory === undefined ? undefined : memory * 2 ** 20,
          out, quiet: !!o.quiet || !!o.json,
        });
        if (o.json) print(JSON.stringify(summary, null, 2));
        else if (isShard(summary)) print(`${summary.label}: shard ${summary.shard} of ${summary.settings.examples} examples done -> ${evalOutput({ run, weights, out, shard })} (merge the shards with kwta report)`);
        else print(formatEvalTable([summary]));
      });
  }

  program.command('attacks')
    .description('the attacks --attacks accepts: name, norms, what each is')
    .action(() => {
      print(attackList().join('\n'));
    });

  program.command('convert')
    .description('write a PyTorch checkpoint (torch.save .pt/.pth, read without executing it) as safetensors')
    .argument('<in>', 'torch.save file (zip or legacy format; a state dict, or one under state_dict/model/...)')
    .argument('<out>', 'safetensors file to write')
    .option('--key <path>', 'where the state dict sits in the checkpoint (e.g. state_dict or ema.model)')
    .option('--rename <rules>', "rename names by prefix, 'from=to,...'")
    .option('--keep-prefix', "keep DataParallel's 'module.' prefix")
    .option('--json', 'print the summary as JSON')
    .action((input: string, output: string, o: Opts) => {
      const summary = runConvert({ input, output, key: o.key as string | undefined, rename: o.rename as string | undefined, keepPrefix: !!o.keepPrefix });
      print(o.json ? JSON.stringify(summary, null, 2) : formatConvert(summary));
    });

  program.command('report')
    .description('table, verdicts and SVG plots from one or more evaluations')
    .argument('<evals...>', 'eval.json files, run directories, or every shard file of a sharded evaluation (merged into one)')
    .option('--out <dir>', 'output directory', 'out/report')
    .option('--title <text>', 'report title', 'kwta evaluation report')
    .action(async (evals: string[], o: Opts) => {
      print(await runReport(evals, String(o.out), String(o.title)));
    });

  program.command('bench')
    .description('k-WTA vs ReLU: activation forward+backward and MNIST-CNN training steps (k-WTA/ReLU step ratio per hidden width), measured side by side')
    .option('--reps <n>', 'repetitions per case', '7')
    .option('--hidden <list>', 'hidden widths of the training-step comparison', BENCH_HIDDEN.join(','))
    .addOption(new Option('--sparse-path <mode>', 'layers after a k-WTA use its winners: auto (when the cost model says it pays), off (dense kernels only), always').choices(['auto', 'off', 'always']).default('auto'))
    .option('--no-activations', 'skip the activation-only cases')
    .option('--json', 'print rows as JSON')
    .option('--profile', 'also show where each training step spends its time, kernel by kernel and layer by layer (input shapes)')
    .action((o: Opts) => {
      const reps = parsePositiveInt('reps', o.reps as string);
      const hidden = list(o.hidden).map((h) => parsePositiveInt('hidden', h));
      setSparsePath(o.sparsePath as SparsePathMode);
      const batch = firstMnistBatch();
      const steps = hidden.map((h) => benchTrainingStep(Math.max(3, Math.ceil(reps / 2)), h, batch));
      const rows = [...(o.activations === false ? [] : benchActivations(reps)), ...steps];
      const profiles = o.profile
        ? hidden.flatMap((h) => ([false, true] as const).map((kwta) => ({ kwta, hidden: h, profile: profileTrainingStep(kwta, undefined, h, batch, true) })))
        : [];
      if (o.json) {
        print(JSON.stringify(o.profile ? { rows, profiles } : rows, null, 2));
        return;
      }
      print(formatBench(rows));
      for (const { kwta, hidden: h, profile } of profiles) print(`\n${formatProfile(`MNIST-CNN training step, hidden ${h}, ${kwta ? 'k-WTA-0.1' : 'ReLU'}`, profile, 16)}`);
    });

  program.command('experiment')
    .description(`the paper's tables and figures: ${EXPERIMENTS.join(', ')} or all; writes <out>/<name>/ (result.json, SVGs, README.md)`)
    .argument('<name>', `experiment: ${EXPERIMENTS.join(', ')} or all`)
    .option('--full', 'the paper-like setting (hidden width 20000, 20 epochs, paper attack budgets; hours)')
    .option('--out <dir>', 'output directory (docs/experiments is the committed copy: writing there needs --force)', 'out/experiments')
    .option('--force', 'overwrite files git tracks in --out')
    .option('--cache <dir>', 'trained-model cache shared between experiments', 'out/models')
    .option('--seed <n>', 'seed', '1')
    .option('--quiet', 'no progress output')
    .action(async (name: string, o: Opts) => {
      const dirs = await runExperiment(name, {
        out: String(o.out), force: !!o.force, cache: String(o.cache), full: !!o.full, seed: parseSeed('seed', o.seed as string | undefined), quiet: !!o.quiet, progress: progressBars(!!o.quiet),
      });
      for (const d of dirs) print(`${d}/README.md`);
    });

  program.command('paper-scale')
    .description('the paper\'s MNIST experiment at its scale (hidden 20000; AutoAttack, the adaptive attack, width sweep), or its models on Fashion-MNIST (--preset fashion), resumable stage by stage; writes <out>/report/')
    .option('--preset <name>', 'full (the paper\'s settings; days on 2 cores), fashion (the same eight models on Fashion-MNIST at eps 0.1; days on 2 cores, several times full), main (the main job: ReLU vs k-WTA at the widest width that fits 15 minutes) or tiny (seconds; a test of the pipeline)', 'full')
    .option('--out <dir>', 'where models, evaluation states and the ledger live (rerun with the same --out to continue)', 'out/paper-scale')
    .option('--report-dir <dir>', 'where the report goes (default <out>/report)')
    .option('--max-stages <n>', 'stop after this many stages in this sitting')
    .option('--report-only', 'only regenerate the report from the saved state')
    .option('--restore <dir>', 'first seed the empty --out from a report directory (its results.json and state/), for a study whose directory was lost; the models still needed are retrained from their seeds and checked against their recorded training')
    .option('--quiet', 'no progress output')
    .action(async (o: Opts) => {
      await runPaperScale({
        preset: String(o.preset), out: String(o.out), reportDir: o.reportDir as string | undefined, restoreFrom: o.restore as string | undefined,
        maxStages: o.maxStages === undefined ? undefined : parsePositiveInt('max-stages', o.maxStages as string, 1),
        reportOnly: !!o.reportOnly, quiet: !!o.quiet,
      });
    });

  program.command('reproduce', { isDefault: false })
    .description('the main job: MNIST CNN, ReLU vs k-WTA-0.1 natural, PGD-20, AutoAttack and the adaptive attack with Wilson intervals (the paper-scale study\'s main preset); rerun to continue after a kill')
    .option('--full', 'the whole paper-scale study instead (hidden 20000, eight models, the width sweep; days on 2 cores)')
    .option('--out <dir>', 'output directory (rerun with the same --out to continue; a study recorded with other settings is refused)', 'out/reproduce')
    .option('--seed <n>', 'seed', '1')
    .option('--restore <dir>', 'first seed the empty --out from a report directory (its results.json), for a run whose directory was lost; the models still needed are retrained from their seeds and checked against their recorded training')
    .option('--quiet', 'no progress output')
    .action(async (o: Opts) => {
      const { table } = await runReproduce({ out: String(o.out), full: !!o.full, seed: parseSeed('seed', o.seed as string | undefined), restoreFrom: o.restore as string | undefined, quiet: !!o.quiet });
      print(table);
      print(`report: ${String(o.out)}/report/README.md`);
    });

  return program;
}
