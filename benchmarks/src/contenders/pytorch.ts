import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Contender, Prepared } from '../harness/types.js';

/** Where PyTorch was found, or why not: printed in the suite's notes, kept in its JSON. */
export type TorchProbe = { available: true; python: string; version: string } | { available: false; reason: string };

let probe: TorchProbe | undefined;

/**
 * The first of $KWTA_BENCH_PYTHON, `python3` on the PATH and /usr/bin/python3 (Debian's
 * python3-torch installs there, while a pyenv `python3` may shadow it) that imports torch.
 */
export function findTorch(): TorchProbe {
  if (probe) return probe;
  const candidates = [process.env.KWTA_BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  const failures: string[] = [];
  for (const python of [...new Set(candidates)]) {
    try {
      const version = execFileSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).trim();
      probe = { available: true, python, version };
      return probe;
    } catch (e) {
      failures.push(`${python}: ${((e as Error).message.split('\n').find((l) => /Error|not found|ENOENT/.test(l)) ?? 'failed').trim()}`);
    }
  }
  probe = { available: false, reason: `python3 -c "import torch" failed (${failures.join('; ')}); apt-get install python3-torch provides it` };
  return probe;
}

/**
 * A BLAS library Debian's torch can be pointed at. Debian builds torch against the generic
 * libblas.so.3 interface, and update-alternatives picks the library; LD_LIBRARY_PATH on one of
 * these folders makes the child process load that one instead, so both can run in one suite.
 */
export interface TorchBlas {
  /** Contender name suffix: 'refblas' or 'openblas'. */
  id: 'refblas' | 'openblas';
  /** What it is, for notes. */
  label: string;
  dir: string;
}

const LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu'];

/**
 * The BLAS libraries installed here: Debian's reference BLAS (libblas3, what `apt-get install
 * python3-torch` brings) and OpenBLAS (libopenblas0-pthread, a separate install).
 */
export function torchBlasLibraries(): TorchBlas[] {
  const found: TorchBlas[] = [];
  for (const lib of LIB_DIRS) {
    const ref = path.join(lib, 'blas'), open = path.join(lib, 'openblas-pthread');
    if (existsSync(path.join(ref, 'libblas.so.3'))) found.push({ id: 'refblas', label: "Debian's reference BLAS (libblas3)", dir: ref });
    if (existsSync(path.join(open, 'libblas.so.3'))) found.push({ id: 'openblas', label: 'OpenBLAS (libopenblas0-pthread)', dir: open });
  }
  return found;
}

/** The benchmarks package's python/ folder: one level up from dist/*.js, two from src/contenders/. */
const here = path.dirname(fileURLToPath(import.meta.url));
const PYTHON_DIRS = [path.resolve(here, '..', 'python'), path.resolve(here, '..', '..', 'python')];

/** A long-running python process answering one JSON line per request line. */
class LineServer {
  private readonly pending: { resolve(v: Record<string, unknown>): void; reject(e: Error): void }[] = [];
  private stderr = '';
  private exited: Error | null = null;

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const p = this.pending.shift();
      if (!p) return;
      try {
        p.resolve(JSON.parse(line) as Record<string, unknown>);
      } catch {
        p.reject(new Error(`pytorch: unexpected output ${JSON.stringify(line)}`));
      }
    });
    child.stderr.on('data', (b: Buffer) => { this.stderr = (this.stderr + b.toString()).slice(-4000); });
    child.on('exit', (code) => {
      this.exited = new Error(`pytorch: python exited with code ${code}: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      for (const p of this.pending.splice(0)) p.reject(this.exited);
    });
  }

  /** Wait for the next line (the ready line needs no request). */
  next(request?: string): Promise<Record<string, unknown>> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      if (request) this.child.stdin.write(`${request}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
    if (!this.exited) this.child.kill();
  }
}

export interface PytorchFiles {
  /** Raw little-endian files the script reads, by name. */
  files: Record<string, ArrayBufferView>;
  /** Arguments after the data folder. */
  args: string[];
}

/**
 * What a script serves: `run` is the timed request; `outputs` asks for what the agreement
 * check compares (through `ask`, one request line per reply line).
 */
export interface TorchProtocol {
  run: string;
  outputs(ask: (request: string) => Promise<Record<string, unknown>>): Promise<Float32Array[]>;
}

/** Training-step scripts: 'step' is timed; outputs are the loss of one step and the loss after it. */
export const STEP_PROTOCOL: TorchProtocol = {
  run: 'step',
  async outputs(ask) {
    return [Float32Array.of(Number((await ask('step')).loss), Number((await ask('loss')).loss))];
  },
};

/** A PGD step (mnist_cnn_step.py's 'pgd'): timed; outputs are its loss and the input gradient's L1 norm. */
export const PGD_PROTOCOL: TorchProtocol = {
  run: 'pgd',
  async outputs(ask) {
    const r = await ask('pgd');
    return [Float32Array.of(Number(r.loss), Number(r.gradL1))];
  },
};

/** OpenBLAS when installed (the PyTorch targets are set against it), else whatever libblas python loads. */
export function openBlas(): TorchBlas | undefined {
  return torchBlasLibraries().find((b) => b.id === 'openblas');
}

/**
 * A PyTorch contender: `script` (in benchmarks/python) runs in its own process, serving requests
 * (by default STEP_PROTOCOL's 'step' and 'loss'); a timed run is one `protocol.run` round trip
 * (the pipe adds microseconds to runs of tens to hundreds of milliseconds). `info` receives the
 * script's ready line (torch version, threads, BLAS).
 */
export function pytorchContender(
  script: string, input: () => PytorchFiles, info?: (ready: Record<string, unknown>) => void,
  opts: { name?: string; blas?: TorchBlas; protocol?: TorchProtocol } = {},
): Contender {
  const protocol = opts.protocol ?? STEP_PROTOCOL;
  return {
    name: opts.name ?? 'pytorch',
    async prepare(): Promise<Prepared> {
      const torch = findTorch();
      if (!torch.available) throw new Error(`pytorch contender: ${torch.reason}`);
      const dir = mkdtempSync(path.join(tmpdir(), 'kwta-bench-torch-'));
      const { files, args } = input();
      for (const [name, view] of Object.entries(files)) writeFileSync(path.join(dir, name), new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
      const scriptPath = PYTHON_DIRS.map((d) => path.join(d, script)).find((p) => existsSync(p));
      if (!scriptPath) throw new Error(`pytorch contender: ${script} not found in ${PYTHON_DIRS.join(' or ')}`);
      const env = opts.blas
        ? { ...process.env, LD_LIBRARY_PATH: [opts.blas.dir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') }
        : process.env;
      const server = new LineServer(spawn(torch.python, [scriptPath, dir, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env }));
      try {
        const ready = await server.next();
        // The script reports the libblas actually mapped: refuse a run that did not get the one asked for.
        if (opts.blas && !String(ready.blas).includes(opts.blas.dir)) {
          server.close();
          throw new Error(`pytorch contender: asked for ${opts.blas.label} in ${opts.blas.dir}, but python loaded ${String(ready.blas)}`);
        }
        info?.(ready);
      } finally {
        rmSync(dir, { recursive: true, force: true }); // the script has read its inputs
      }
      return {
        async run() {
          await server.next(protocol.run);
        },
        outputs() {
          return protocol.outputs((req) => server.next(req));
        },
        dispose() {
          server.close();
        },
      };
    },
  };
}
