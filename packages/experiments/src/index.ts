export * from './figure1.js';
export * from './figure1-plot.js';
export * from './plot.js';
export * from './surrogate.js';
export * from './paper/index.js';
