import { defineConfig } from 'vite';

/**
 * The page and its Web Worker as plain static files in dist/ (relative URLs, so any static host
 * and any sub-path serve them). Workers are ES modules so they can split code like the page.
 * Class and function names survive minification: the engine's error messages name them.
 */
const output = { keepNames: true };

export default defineConfig({
  base: './',
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 4096, assetsInlineLimit: 0, rolldownOptions: { output } },
  worker: { format: 'es', rolldownOptions: { output } },
});
