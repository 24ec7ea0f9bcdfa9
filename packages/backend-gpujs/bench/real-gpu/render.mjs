// Markdown for a real-GPU report (bench/real-gpu/report.ts): written next to the JSON by the
// run, and folded into docs/benchmarks.md by fold.mjs.

const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const gflops = (flops, ms) => (flops ? ` (${(flops / ms / 1e6).toFixed(1)} GFLOP/s)` : '');

/** @param {any} r one report; @param {{ driver?: string, gpu?: string, cpu?: string, how?: string, build?: string }} env */
export function renderReport(r, env = {}) {
  const c = r.capabilities;
  const lines = [
    `### ${r.hardware ? 'GPU' : 'Software renderer (no GPU reached)'}: ${c.renderer}`,
    '',
    `Run ${r.date.slice(0, 10)} by \`${env.how ?? 'bench/real-gpu.sh'}\`${r.quick ? ' (quick: small sizes, a pipeline check only)' : ''}` +
      `${r.complete === false ? ' (cut off: the run ended before its last section; what follows is what it finished)' : ''}.`,
    `${env.build ? `Build ${env.build}. ` : ''}Mode \`${r.mode}\`; GPU ${env.gpu ?? 'unknown'}; driver ${env.driver ?? 'unknown'}; CPU ${env.cpu ?? 'unknown'}, core wasm backend with ${r.wasmThreads} threads.`,
    `WebGL: ${c.version}; vendor ${c.vendor}; MAX_TEXTURE_SIZE ${c.maxTextureSize}, so ${c.textureCapacity} elements a texture; ` +
      `highp float ${c.highpFloat ? `${c.highpFloat.precision} bits` : 'none'}; denormals ${c.denormals}; ${c.maxTextureImageUnits} texture units.`,
    '',
  ];
  if (r.suites) {
    const s = r.suites;
    lines.push(`Conformance suite: ${s.checks - s.failures.length}/${s.checks} checks within the ${r.mode} tolerance; gradient suite: ` +
      `${s.gradChecks - s.gradFailures.length}/${s.gradChecks} (worst ${s.worstGradError.toExponential(2)}).`);
    for (const f of [...s.failures, ...s.gradFailures].slice(0, 20)) lines.push(`- FAIL ${f}`);
    lines.push('', '| kernel | calls | worst error vs CPU | int/bool mismatches |', '|---|---:|---:|---:|');
    for (const k of s.kernels) lines.push(`| ${k.kernel} | ${k.calls} | ${k.maxError.toExponential(2)} | ${k.mismatches} |`);
    lines.push('');
  }
  if (r.selection) {
    lines.push('k-WTA selection against the CPU backend\'s winners (exact):', '');
    for (const sel of r.selection) lines.push(`- ${sel.name} [${sel.shape}] k=${sel.k}: ${sel.rowsDiffering === 0 ? 'identical' : `${sel.rowsDiffering} rows differ`}${sel.denormals ? ' (holds denormals)' : ''}`);
    lines.push('');
  }
  if (r.limited) {
    const l = r.limited.report;
    lines.push(`Texture side forced to ${r.limited.side}: ${l.checks - l.failures.length}/${l.checks} conformance checks pass, ${r.limited.cutLaunches} launches cut.`, '');
  }
  if (r.benchmarks.length) {
    // plainGpuMs: only in the reports of the matmul-shader experiment (commit 55befe0, reverted),
    // where the GPU column's matmuls ran a hand-written shader and this one gpu.js's kernel.
    const plain = r.benchmarks.some((b) => b.plainGpuMs !== undefined);
    lines.push('Median ms per call (result read back), calls interleaved, one untimed compiling call first:', '',
      `| workload | ${plain ? 'on the GPU (matmul: the shader)' : 'gpu.js on the GPU'} | core wasm on the CPU | GPU speedup | first GPU call |${plain ? ' gpu.js kernels only (no shaders) |' : ''}`,
      `|---|---:|---:|---:|---:|${plain ? '---:|' : ''}`);
    for (const b of r.benchmarks) {
      const p = !plain ? '' : b.plainGpuMs === undefined ? ' |' : ` ${fmt(b.plainGpuMs)} ms${gflops(b.flops, b.plainGpuMs)}; the shader ${(b.plainGpuMs / b.gpuMs).toFixed(2)}x faster |`;
      lines.push(`| ${b.name} | ${fmt(b.gpuMs)} ms${gflops(b.flops, b.gpuMs)} | ${fmt(b.wasmMs)} ms${gflops(b.flops, b.wasmMs)} | ${b.speedup.toFixed(2)}x | ${fmt(b.gpuFirstMs)} ms |${p}`);
    }
    const relu = r.benchmarks.find((b) => b.name.startsWith('relu')), kwta = r.benchmarks.find((b) => b.name.startsWith('k-WTA'));
    if (relu && kwta) lines.push('', `k-WTA / ReLU: ${(kwta.gpuMs / relu.gpuMs).toFixed(1)}x on the GPU, ${(kwta.wasmMs / relu.wasmMs).toFixed(1)}x in wasm.`);
    const goal = (prefix, want) => {
      const b = r.benchmarks.find((x) => x.name.startsWith(prefix));
      return b ? `${prefix}: ${b.speedup.toFixed(2)}x (goal >= ${want}x: ${b.speedup >= want ? 'met' : 'not met'})` : `${prefix}: not measured`;
    };
    lines.push('', `Issue goals: ${goal('matmul 2048', 10)}; ${goal('MNIST CNN k-WTA training step, hidden 20000', 3)}.`);
  }
  if (r.notes.length) lines.push('', 'Notes:', ...r.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}
