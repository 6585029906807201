export * from './topics.js';
export * from './messages.js';
export * from './sign.js';
export * from './pem.js';
export * from './verify-core.mjs';
