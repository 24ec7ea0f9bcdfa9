/**
 * @kwta/experiments: the paper's figures and tables as functions that return data and
 * Vega-Lite charts, and rendering them to SVG; runs in a browser. Running the experiments with
 * files (training runs, run directories, the jobs, writing results) is `@kwta/experiments/node`.
 */
export * from './output.js';
export * from './stats.js';
export * from './plot.js';
export * from './figure1.js';
export * from './figure1-plot.js';
export * from './paper/index.js';
