/** The device registry and the people's side of device control (issue 4): one import for the edges. */
export * from './device-access.js';
export * from './device-view.js';
export * from './provision-device.js';
export * from './bind-device.js';
export * from './update-device.js';
export * from './replace-device.js';
export * from './retire-device.js';
export * from './query-devices.js';
export * from './remote-lock.js';
export * from './device-requests.js';
export * from './push-authorization.js';
export * from './device-pass.js';
