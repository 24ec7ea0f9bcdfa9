// Bundle the real-GPU run into one CommonJS file for a machine with no node_modules:
//   node bench/real-gpu/build.mjs OUTDIR
// gpu.js, headless-gl's JavaScript and this repository's packages go into OUTDIR/real-gpu.cjs;
// headless-gl's native module (webgl.node) is copied beside it and loaded from there.
import { build } from 'esbuild';
import { execSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const out = path.resolve(process.argv[2] ?? 'dist/real-gpu');
mkdirSync(out, { recursive: true });
const here = path.dirname(new URL(import.meta.url).pathname);
// gl is gpu.js's optional dependency: resolve it from gpu.js.
const requireFromGpujs = createRequire(createRequire(import.meta.url).resolve('gpu.js'));
const glDir = path.dirname(requireFromGpujs.resolve('gl/package.json'));
const native = path.join(glDir, 'build/Release/webgl.node');
copyFileSync(native, path.join(out, 'webgl.node'));

// headless-gl finds its native module through `bindings`; beside the bundle it is just a file.
const nativeBeside = {
  name: 'native-beside',
  setup(b) {
    b.onResolve({ filter: /^bindings$/ }, () => ({ path: 'bindings', namespace: 'native-beside' }));
    b.onLoad({ filter: /.*/, namespace: 'native-beside' }, () => ({
      contents: "module.exports = (name) => require(require('path').join(__dirname, name + '.node'));",
      loader: 'js',
    }));
  },
};

// The commit the run was built from (with +changes if the tree differed), printed in its report.
const git = (args) => execSync(`git ${args}`, { cwd: here, encoding: 'utf8' }).trim();
const commit = `${git('rev-parse --short HEAD')}${git('status --porcelain') ? '+changes' : ''}`;

await build({
  define: { 'process.env.KWTA_BUILD': JSON.stringify(commit) },
  entryPoints: [path.join(here, 'node-main.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: path.join(out, 'real-gpu.cjs'),
  plugins: [nativeBeside],
  nodePaths: [path.join(glDir, '..')],
  logLevel: 'warning',
});
console.log(`bundled ${out}/real-gpu.cjs with ${native}`);
