export * from './database.js';
export * from './migrate.js';
export * from './schema.js';
export * from './unit-of-work.js';
export * from './audit-scan.js';
export * from './seed-types.js';
export * from './blob/blob-store.js';
export * from './blob/fs-blob-store.js';
