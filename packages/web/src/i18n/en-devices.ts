import type { zhDevices } from './zh-devices';

type Dict = { [S in keyof typeof zhDevices]: { [K in keyof (typeof zhDevices)[S]]: string } };

/** English for the shell's part of the device and alarm screens. Same keys as zh-devices.ts (the type checks it). */
export const enDevices: Dict = {
  nav: {
    alarmBox: 'Alarms to handle',
    myDevices: 'My devices',
    devices: 'Devices',
    alarms: 'Alarm centre',
    alarmRules: 'Alarm rules',
    deviceRequests: 'Unlock & maintenance',
    virtualDevices: 'Virtual devices',
  },
  tiles: {
    alarmBox: 'Open alarms on the phone, with a one-tap remote lock of the device',
    myDevices: 'The smart device of the seal you keep; ask to add ink, replace the seal or repair it',
    devices: 'Register, bind and retire smart-seal devices; see whether they are online and locked',
    alarms: 'Alarms of abnormal use with their evidence; acknowledge and resolve them',
    alarmRules: 'Per town: which alarms are on, their severity, automatic lock and thresholds',
    deviceRequests: 'Approve, as the second person, unlocking a device or opening it for maintenance',
    virtualDevices: 'Demo: stamp, open the case, leave the fence, cut the network…',
  },
  alarmLive: {
    raised: 'Alarm ({{severity}}): {{rule}} ({{org}})',
    critical: 'Critical alarm: {{rule}} ({{org}})',
    open: 'View',
    handle: 'Handle now',
  },
  severity: {
    info: 'Info',
    warning: 'Warning',
    critical: 'Critical',
  },
  rule: {
    unauthorized_impression: 'Impression without authorization',
    tamper: 'Device opened / seal removed',
    geofence: 'Outside the geofence',
    off_hours: 'Impression out of hours',
    offline: 'Device offline',
    missed_heartbeats: 'Heartbeats missing',
    sequence_gap: 'Event sequence gap',
    low_battery: 'Low battery',
    low_ink: 'Low ink',
    page_mismatch: 'Stamped page unlike the approved page',
    burst: 'Unusual burst of impressions',
    forged_message: 'Forged or replayed message',
    clock_skew: 'Device clock off',
  },
};
