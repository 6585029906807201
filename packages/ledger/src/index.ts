export * from './canonical.js';
export * from './chain.js';
