/**
 * Device ingest, anomaly rules and alarms (issue 4 items 5–7): re-exported from the package
 * root by core/src/index.ts.
 */
export * from './rules.js';
export * from './geo.js';
export * from './hours.js';
export * from './evaluate-impression.js';
export * from './evaluate-telemetry.js';
export * from './raise-alarm.js';
export * from './forged-message.js';
export * from './handle-alarm.js';
export * from './query-alarms.js';
export * from './alarm-rules.js';
export * from '../device/sequence.js';
export * from '../device/ingest-events.js';
export * from '../device/ingest-heartbeats.js';
export * from '../device/device-sweep.js';
