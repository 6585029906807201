/**
 * @cunzhang/device: an emulated smart-seal device (and a fleet of them) speaking device
 * protocol v1 (docs/device-protocol.md), for tests, demos and scale runs.
 */
export { EmulatedDevice, type DeviceOptions, type DeviceStatus } from './device.js';
export { Fleet, type FleetOptions, type FleetCounters } from './fleet.js';
export { Camera, describe, differentPage, pagesDirSource, pageSeed, photographPage, photographStamped, stockShot, DIFFERENT_MIN_DISTANCE, type PageChoice, type PageSource, type Photo, type Shot } from './camera.js';
export { synthPage, sealSvg, PAGE_LAYOUTS, type PageLayout } from './page-synth.js';
export { DiskQueue, MemoryQueue, DEFAULT_QUEUE_LIMIT, type UpEntry, type UpQueue } from './buffer.js';
export { PhotoUploader, putPhoto, type UploadResult, type UploaderOptions } from './uploader.js';
export { TimerWheel, nodeScheduler, type Scheduler } from './scheduler.js';
export { BundleError, bundleFromJson, bundlesFromJsonl, parseBundle } from './bundle.js';
export { LinkError, newStats, type LinkStats } from './link.js';
export { BATTERY_LOW, INK_LOW, DEFAULT_HOME } from './sensors.js';
export { MAX_OTP_FAILS, SKEW_MS, distanceM, withinHours, type CodeResult } from './machine.js';
export { STATE_REASONS, type CommandNote, type DeviceEvents, type Position, type StampRefusal, type StampResult } from './types.js';
