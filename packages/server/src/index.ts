export * from './config.js';
export * from './runtime.js';
export * from './server.js';
export * from './divisions-csv.js';
export * from './demo/seed.js';
export * from './infra/crypto.js';
export * from './http/app.js';
