export * from './output.js';
export * from './plot.js';
export * from './figure1.js';
export * from './figure1-plot.js';
export * from './paper/index.js';
