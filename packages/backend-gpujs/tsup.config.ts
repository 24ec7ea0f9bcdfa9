import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // gpu.js is CommonJS with an optional native `gl`; leave it to the consumer's resolver.
  external: ['gpu.js'],
});
