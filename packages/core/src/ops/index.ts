export * from './creation.js';
export * from './elementwise.js';
export * from './reduce.js';
export * from './layout.js';
export * from './linalg.js';
export * from './conv.js';
export * from './select.js';
export * from './nn.js';
