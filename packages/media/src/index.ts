export * from './errors.js';
export { detectFormat, type InputFormat } from './detect.js';
export type { IntakeLimits } from './limits.js';
export { intakePhoto, type IntakeResult } from './intake.js';
export { perceptualHash, hammingDistance } from './phash.js';
export { isNearBlank, inkScore, type BlankOptions } from './blank.js';
export { sm3Hex } from './sm3.js';
export { thumbnailOf } from './thumbnail.js';
