import { isWithin, townOf, type Application, type DeviceLiveEvent, type Tx } from '@cunzhang/core';

export type { DeviceLiveEvent };

/** What a live update says; the screen reloads what it shows about the application. */
export const LIVE_EVENT_TYPES = ['submitted', 'approved', 'rejected', 'withdrawn', 'revoked', 'stamped', 'expired', 'reminder'] as const;
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

export interface LiveEvent {
  type: LiveEventType;
  applicationId: string;
  orgCode: string;
  status: string;
  documentTitle: string;
  at: string;
}

type Listener = (e: LiveEvent) => void;
type DeviceListener = (e: DeviceLiveEvent) => void;

/**
 * In-process fan-out of application events to the people they concern, for server-sent
 * events. One server process sees its own subscribers only (see docs/operations.md).
 */
export class LiveHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly deviceListeners = new Map<string, Set<DeviceListener>>();

  subscribe(userId: string, fn: Listener, onDevice?: DeviceListener): () => void {
    const off = add(this.listeners, userId, fn);
    const offDevice = onDevice ? add(this.deviceListeners, userId, onDevice) : () => undefined;
    return () => {
      off();
      offDevice();
    };
  }

  publish(event: LiveEvent, userIds: Iterable<string>): void {
    for (const id of new Set(userIds)) for (const fn of this.listeners.get(id) ?? []) fn(event);
  }

  publishDevice(event: DeviceLiveEvent, userIds: Iterable<string>): void {
    for (const id of new Set(userIds)) for (const fn of this.deviceListeners.get(id) ?? []) fn(event);
  }

  get subscriberCount(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }
}

function add<F>(map: Map<string, Set<F>>, userId: string, fn: F): () => void {
  const set = map.get(userId) ?? new Set<F>();
  set.add(fn);
  map.set(userId, set);
  return () => {
    set.delete(fn);
    if (set.size === 0) map.delete(userId);
  };
}

/**
 * Who hears about a device and its alarms: the seal's keeper and approvers, the village's
 * approvers, and the town's leaders, station officers and supervisors.
 */
export async function deviceAudienceOf(tx: Tx, d: { orgCode: string; sealId: string | null }): Promise<string[]> {
  const ids = new Set<string>();
  const seal = d.sealId ? await tx.seals.get(d.sealId) : null;
  if (seal?.keeperUserId) ids.add(seal.keeperUserId);
  for (const a of seal?.approverUserIds ?? []) ids.add(a);
  const town = townOf(d.orgCode);
  const units = [d.orgCode, ...(town && town !== d.orgCode ? [town] : [])];
  for (const id of (await tx.grants.holders(['village_approver', 'seal_keeper'], [d.orgCode])).keys()) ids.add(id);
  if (town) for (const id of (await tx.grants.holders(['town_leader', 'station_officer', 'supervisor'], units)).keys()) ids.add(id);
  return [...ids];
}

/**
 * Who hears about an application: its applicant and clerk, the seal's keeper and approvers,
 * their deputies named for the village now, and for the leader route the town's leaders.
 */
export async function audienceOf(tx: Tx, app: Application, at: string): Promise<string[]> {
  const ids = new Set<string>([app.applicantUserId]);
  if (app.clerkUserId) ids.add(app.clerkUserId);
  const seal = await tx.seals.get(app.sealId);
  if (seal?.keeperUserId) ids.add(seal.keeperUserId);
  for (const a of seal?.approverUserIds ?? []) ids.add(a);
  for (const d of await tx.applications.delegationsFor(seal?.approverUserIds ?? [], at)) if (isWithin(app.orgCode, d.orgCode)) ids.add(d.deputyUserId);
  const town = townOf(app.orgCode);
  if (app.route === 'leader' && town) for (const id of (await tx.grants.holders(['town_leader'], [town])).keys()) ids.add(id);
  return [...ids];
}

export function liveEvent(type: LiveEventType, app: Application, at: string): LiveEvent {
  return { type, applicationId: app.id, orgCode: app.orgCode, status: app.status, documentTitle: app.documentTitle, at };
}
