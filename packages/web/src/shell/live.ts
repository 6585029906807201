import { useEffect, useRef } from 'react';
import type { DeviceLiveEvent, LiveEvent } from '../lib/types';

/** Window event carrying one live update to whichever screens are listening. */
export const LIVE = 'cz:live';

/**
 * Window event asking every screen to reload what it shows: the page came back into view, or
 * the live stream reconnected after a break (events sent meanwhile were not received).
 */
export const RESYNC = 'cz:resync';

/** Window event carrying one live update of an alarm or a device (its lock, state, link). */
export const DEVICE_LIVE = 'cz:device-live';

/** Events this page caused itself (its own approval, its own submission): no toast for those. */
const own = new Set<string>();

/** Marks the next event of this type for this application as the reader's own doing. */
export function expectOwn(applicationId: string, type: LiveEvent['type']): void {
  own.add(`${applicationId}:${type}`);
  window.setTimeout(() => own.delete(`${applicationId}:${type}`), 30_000);
}

/** True once for an event the page announced with expectOwn. */
export function takeOwn(e: LiveEvent): boolean {
  return own.delete(`${e.applicationId}:${e.type}`);
}

/**
 * Listens to the server's live stream (server-sent events, same origin so the session cookie
 * goes along) and hands each application event to `onEvent`. EventSource reconnects by itself.
 */
export function useLiveStream(userId: string, onEvent: (e: LiveEvent) => void, onDevice?: (e: DeviceLiveEvent) => void): void {
  const handler = useRef(onEvent);
  const deviceHandler = useRef(onDevice);
  useEffect(() => {
    handler.current = onEvent;
    deviceHandler.current = onDevice;
  });
  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    const es = new EventSource('/api/live', { withCredentials: true });
    // Each message goes to the screens listening on the window (`windowEvent`) and to the shell.
    const relay = <E>(windowEvent: string, handle: (e: E) => void) => (m: MessageEvent<string>) => {
      let e: E;
      try {
        e = JSON.parse(m.data) as E;
      } catch {
        return;
      }
      window.dispatchEvent(new CustomEvent<E>(windowEvent, { detail: e }));
      handle(e);
    };
    const listener = relay<LiveEvent>(LIVE, (e) => handler.current(e));
    es.addEventListener('application', listener);
    // Alarms and devices (issue 4) come as their own event types, so older screens never see them.
    const deviceListener = relay<DeviceLiveEvent>(DEVICE_LIVE, (e) => deviceHandler.current?.(e));
    es.addEventListener('alarm', deviceListener);
    es.addEventListener('device', deviceListener);
    let opened = false;
    const onOpen = () => {
      if (opened) window.dispatchEvent(new Event(RESYNC));
      opened = true;
    };
    es.addEventListener('open', onOpen);
    const onVisible = () => {
      if (document.visibilityState === 'visible') window.dispatchEvent(new Event(RESYNC));
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      es.removeEventListener('application', listener);
      es.removeEventListener('alarm', deviceListener);
      es.removeEventListener('device', deviceListener);
      es.removeEventListener('open', onOpen);
      document.removeEventListener('visibilitychange', onVisible);
      es.close();
    };
  }, [userId]);
}

/** Calls `cb` with each `event` window event's detail, and `resync` on RESYNC, while mounted. */
function useWindowLive<E>(event: string, cb: (e: E) => void, resync?: () => void): void {
  const ref = useRef({ cb, resync });
  useEffect(() => {
    ref.current = { cb, resync };
  });
  useEffect(() => {
    const fn = (ev: Event) => ref.current.cb((ev as CustomEvent<E>).detail);
    const again = () => ref.current.resync?.();
    window.addEventListener(event, fn);
    window.addEventListener(RESYNC, again);
    return () => {
      window.removeEventListener(event, fn);
      window.removeEventListener(RESYNC, again);
    };
  }, [event]);
}

/**
 * Calls `cb` for every live update while the screen is shown (to reload what it shows), and
 * `resync` (default: nothing) when updates may have been missed — the page came back into
 * view or the stream reconnected — so the screen reloads in any case.
 */
export function useLiveRefresh(cb: (e: LiveEvent) => void, resync?: () => void): void {
  useWindowLive(LIVE, cb, resync);
}

/**
 * Calls `cb` for every live alarm or device update while the screen is shown, and `resync` when
 * updates may have been missed (same moments as useLiveRefresh).
 */
export function useDeviceLive(cb: (e: DeviceLiveEvent) => void, resync?: () => void): void {
  useWindowLive(DEVICE_LIVE, cb, resync);
}
