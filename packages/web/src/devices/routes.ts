import { can, type Me } from '../lib/types';

/**
 * The device and alarm screens (issue 4): their paths and who sees them. Kept apart from
 * lib/router.ts so the shell asks here first; each screen loads only when opened.
 */
export type DeviceRouteName = 'alarmBox' | 'myDevices' | 'devices' | 'alarms' | 'alarmRules' | 'deviceRequests' | 'virtualDevices';

export const DEVICE_PATHS: Record<DeviceRouteName, string> = {
  alarmBox: '/alarm-box',
  myDevices: '/my-devices',
  devices: '/devices',
  alarms: '/alarms',
  alarmRules: '/alarm-rules',
  deviceRequests: '/device-requests',
  virtualDevices: '/virtual-devices',
};

export function matchDeviceRoute(path: string): DeviceRouteName | null {
  const p = path.split('?')[0]!.replace(/\/+$/, '');
  const hit = (Object.entries(DEVICE_PATHS) as [DeviceRouteName, string][]).find(([, href]) => href === p);
  return hit ? hit[0] : null;
}

/**
 * Which of them this person's permissions open. The phone screens come first (the alarm box
 * for those who may lock a device, the keeper's own device); then the desk screens.
 */
export function deviceNav(me: Me, demoPanel: boolean): { phone: [boolean, DeviceRouteName][]; desk: [boolean, DeviceRouteName][] } {
  return {
    phone: [
      [can(me, 'alarm.read') && can(me, 'device.lock'), 'alarmBox'],
      [can(me, 'device.maintain') && !can(me, 'device.manage'), 'myDevices'],
    ],
    desk: [
      [can(me, 'device.read'), 'devices'],
      [can(me, 'alarm.read'), 'alarms'],
      [can(me, 'alarm.configure'), 'alarmRules'],
      [can(me, 'device.unlock') || can(me, 'device.approve'), 'deviceRequests'],
      [demoPanel, 'virtualDevices'],
    ],
  };
}

/** Where a notice about an alarm leads: the phone's box on a narrow screen when the person has it, else the desk. */
export function alarmHref(me: Me, alarmId: string | null): string {
  const narrow = typeof window !== 'undefined' && window.matchMedia?.('(max-width: 767px)').matches;
  if (narrow && can(me, 'alarm.read') && can(me, 'device.lock')) return alarmId ? `/alarm-box?focus=${alarmId}` : '/alarm-box';
  return alarmId ? `/alarms?open=${alarmId}` : '/alarms';
}
