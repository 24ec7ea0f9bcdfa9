import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/cli.ts', 'src/index.ts', 'src/crosscheck-autoattack.ts', 'src/memory-train.ts', 'src/profile-step.ts', 'src/memory/main-job.ts', 'src/memory/job-child.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // Load the libraries under test from their installed builds, never bundled copies: tfjs
  // backends register into the one tfjs-core instance Node resolves, and @kwta/core is measured
  // as published (its dist).
  external: [/^@tensorflow\//, /^@kwta\//],
});
