/**
 * A README's runnable examples: code fences whose info string is `ts example` or `sh example`,
 * optionally with `install=<pkg>[,<pkg>]` naming what the reader is told to install first
 * (fast-check for core's testing kit). Every other fence is prose and is not run.
 */
export interface ReadmeExample {
  lang: 'ts' | 'sh';
  /** Packages to install beside the package itself before this example. */
  install: string[];
  code: string;
  /** 1-based line of the opening fence, for messages. */
  line: number;
}

const FENCE = /^```(ts|sh) example((?: [a-z]+=[^ ]+)*)\s*$/;

export function readmeExamples(markdown: string): ReadmeExample[] {
  const lines = markdown.split('\n');
  const out: ReadmeExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = FENCE.exec(lines[i]);
    if (!m) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    if (end < 0) throw new Error(`README line ${i + 1}: the example's fence is never closed`);
    const attrs = new Map(m[2].trim().split(' ').filter(Boolean).map((a) => a.split('=') as [string, string]));
    for (const key of attrs.keys()) if (key !== 'install') throw new Error(`README line ${i + 1}: unknown example attribute '${key}'`);
    out.push({ lang: m[1] as 'ts' | 'sh', install: attrs.get('install')?.split(',') ?? [], code: lines.slice(i + 1, end).join('\n') + '\n', line: i + 1 });
    i = end;
  }
  return out;
}

/** Whether an example imports a package's Node-only entry (`@kwta/x/node`): not for the browser. */
export function importsNodeEntry(code: string): boolean {
  return /from '@kwta\/[a-z-]+\/node'/.test(code);
}
