import type { Tx } from '../ports.js';
import { lockDisplay } from './lock-device.js';
import type { Device, DeviceCommand, DeviceRequest } from './records.js';

/** A device as screens see it: no credential hash, no heartbeat key; names resolved; the lock as a word. */
export type DeviceView = Omit<Device, 'credentialHash' | 'hbKeyEnc' | 'seqGaps'> & {
  orgName: string;
  sealName: string | null;
  /** 已锁定 / 锁定中… / 解锁中… / 正常: see lockDisplay. */
  lockDisplay: ReturnType<typeof lockDisplay>;
  /** Sequence gaps still open (each a run of messages not received). */
  openGaps: number;
};

/** A command in the outbox, its signed body read back (the UI shows "locking…" until acked). */
export interface CommandView {
  id: string;
  deviceId: string;
  type: string;
  body: unknown;
  status: DeviceCommand['status'];
  attempts: number;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  ackedAt: string | null;
  error: string | null;
}

export type DeviceRequestView = DeviceRequest & {
  deviceLabel: string;
  requestedByName: string | null;
  decidedByName: string | null;
  /** May the reader decide it (a second person holding the right permission, request pending)? */
  mayDecide: boolean;
};

/** Reads names once per transaction: lists show the same village and seal many times. */
export function namer(tx: Tx) {
  const cache = new Map<string, Promise<string | null>>();
  const once = (key: string, load: () => Promise<string | null>) => {
    if (!cache.has(key)) cache.set(key, load());
    return cache.get(key)!;
  };
  return {
    org: async (code: string) => (await once(`o:${code}`, async () => (await tx.orgs.get(code))?.name ?? null)) ?? code,
    seal: (id: string | null) => (id ? once(`s:${id}`, async () => (await tx.seals.get(id))?.name ?? null) : Promise.resolve(null)),
    user: (id: string | null) => (id ? once(`u:${id}`, async () => (await tx.users.get(id))?.name ?? null) : Promise.resolve(null)),
    device: (id: string) => once(`d:${id}`, async () => (await tx.devices.get(id))?.label ?? null),
  };
}
export type Namer = ReturnType<typeof namer>;

export async function deviceView(tx: Tx, device: Device, names: Namer = namer(tx)): Promise<DeviceView> {
  const { credentialHash: _c, hbKeyEnc: _h, seqGaps, ...rest } = device;
  return { ...rest, orgName: await names.org(device.orgCode), sealName: await names.seal(device.sealId), lockDisplay: lockDisplay(device), openGaps: seqGaps.length };
}

export function commandView(c: DeviceCommand): CommandView {
  let body: unknown = null;
  try {
    body = (JSON.parse(c.message) as { body?: unknown }).body ?? null;
  } catch {
    // The outbox stores what it signed; a row that is not JSON shows without its body.
  }
  const { message: _m, nextAttemptAt: _n, ...rest } = c;
  return { ...rest, body: c.type === 'authorize' ? withoutOtp(body) : body };
}

/**
 * An authorize command's token as readers of the device see it: without `otp`. The digest is
 * keyed with the device's heartbeat key (device-protocol §9), so it cannot be tried against the
 * million codes; still, the screens have no use for it and show nothing more than they need.
 */
function withoutOtp(body: unknown): unknown {
  const token = (body as { token?: unknown } | null)?.token;
  if (!token || typeof token !== 'object') return body;
  const { otp: _otp, ...rest } = token as Record<string, unknown>;
  return { ...(body as Record<string, unknown>), token: rest };
}

export async function requestView(tx: Tx, r: DeviceRequest, mayDecide: boolean, names: Namer = namer(tx)): Promise<DeviceRequestView> {
  return {
    ...r, deviceLabel: (await names.device(r.deviceId)) ?? r.deviceId,
    requestedByName: await names.user(r.requestedBy), decidedByName: await names.user(r.decidedBy), mayDecide,
  };
}
