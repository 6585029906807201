import { lazy, type ComponentType } from 'react';
import type { DeviceRouteName } from './routes';
import { withDeviceStrings } from './strings';

/** antd screens load antd with them, inside its theme (as shell/Shell.tsx does for the desk). */
function withAntd(load: () => Promise<{ default: ComponentType }>) {
  return lazy(async () => {
    const [frame, screen] = await Promise.all([import('../console/Frame'), withDeviceStrings(load)()]);
    const Frame = frame.default;
    const Screen = screen.default;
    return { default: () => <Frame><Screen /></Frame> };
  });
}

const SCREENS: Record<DeviceRouteName, ComponentType> = {
  alarmBox: lazy(withDeviceStrings(() => import('./AlarmBox'))),
  myDevices: lazy(withDeviceStrings(() => import('./MyDevices'))),
  virtualDevices: lazy(withDeviceStrings(() => import('./VirtualDevices'))),
  devices: withAntd(() => import('./DevicesConsole')),
  alarms: withAntd(() => import('./AlarmsConsole')),
  alarmRules: withAntd(() => import('./AlarmRules')),
  deviceRequests: withAntd(() => import('./DeviceRequests')),
};

/** One of the device and alarm screens, loaded on demand. */
export function DeviceScreen({ name }: { name: DeviceRouteName }) {
  const Screen = SCREENS[name];
  return <Screen />;
}
