import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../lib/api';
import { LOCK_DISPLAYS, type AlarmView, type DeviceDetail, type DeviceView, type LockDisplay } from '../lib/types';
import { useDeviceLive } from '../shell/live';

export interface DeviceBrief { label: string; lock: LockDisplay; sealName: string | null; orgName: string }

/**
 * The lock of each device an alarm list names, kept current by the live `device` events: the
 * one-tap lock shows "locking…" until the device acknowledges, then "locked".
 */
export function useLocks(deviceIds: readonly (string | null)[]): {
  devices: Map<string, DeviceBrief>;
  lock: (deviceId: string, reason: string) => Promise<void>;
} {
  const [devices, setDevices] = useState<Map<string, DeviceBrief>>(new Map());
  const asked = useRef(new Set<string>());
  const wanted = [...new Set(deviceIds.filter((x): x is string => !!x))].sort().join(',');

  const fetchOne = useCallback(async (id: string) => {
    try {
      const d = await api.get<DeviceDetail>(`/api/devices/${encodeURIComponent(id)}`);
      setDevices((m) => new Map(m).set(id, brief(d.device)));
    } catch {
      // Not readable (no device.read here): the alarm still shows, without the device's lock.
    }
  }, []);

  useEffect(() => {
    for (const id of wanted ? wanted.split(',') : []) {
      if (asked.current.has(id)) continue;
      asked.current.add(id);
      void fetchOne(id);
    }
  }, [wanted, fetchOne]);

  useDeviceLive((e) => {
    if (e.kind !== 'device' || !e.deviceId || !asked.current.has(e.deviceId)) return;
    const id = e.deviceId;
    if ((LOCK_DISPLAYS as string[]).includes(e.status)) {
      setDevices((m) => {
        const d = m.get(id);
        return d ? new Map(m).set(id, { ...d, lock: e.status as LockDisplay }) : m;
      });
    } else void fetchOne(id);
  }, () => {
    for (const id of asked.current) void fetchOne(id);
  });

  const lock = useCallback(async (deviceId: string, reason: string) => {
    const v = await api.post<DeviceView>(`/api/devices/${encodeURIComponent(deviceId)}/lock`, { reason });
    // The device's acknowledgement may come over the live stream before this answer does.
    setDevices((m) => {
      const next = brief(v);
      return new Map(m).set(deviceId, m.get(deviceId)?.lock === 'locked' && next.lock === 'locking' ? { ...next, lock: 'locked' } : next);
    });
  }, []);

  return { devices, lock };
}

const brief = (v: DeviceView): DeviceBrief => ({ label: v.label, lock: v.lockDisplay, sealName: v.sealName, orgName: v.orgName });

/** Where an alarm's photo is served (its SM3 names it; the alarm's evidence announced it). */
export const alarmPhotoUrl = (alarmId: string, sm3: string) => `/api/alarms/${encodeURIComponent(alarmId)}/photos/${sm3}`;

export const acknowledgeAlarm = (a: AlarmView) => api.post(`/api/alarms/${encodeURIComponent(a.id)}/acknowledge`, {});

/** 处理完毕: the note says what was found and done (required, trimmed). */
export const resolveAlarm = (a: AlarmView, note: string) => api.post(`/api/alarms/${encodeURIComponent(a.id)}/resolve`, { note: note.trim() });
