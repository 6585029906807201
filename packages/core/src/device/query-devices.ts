import { z } from 'zod';
import { withActorNames, type AuditView } from '../audit/list-audit.js';
import { hasPermission, requirePermission, scopesFor, type Actor } from '../auth/actor.js';
import { AppError } from '../errors.js';
import { isWithin } from '../org/org-code.js';
import type { Deps, Page } from '../ports.js';
import { parseInput } from '../validate.js';
import { loadDevice } from './device-access.js';
import { commandView, deviceView, namer, requestView, type CommandView, type DeviceRequestView, type DeviceView } from './device-view.js';
import { DEVICE_STATUSES, type StoredDeviceEvent } from './records.js';
import { unlockable } from './remote-lock.js';


export const listDevicesQuery = z.strictObject({
  orgCode: z.string().regex(/^\d{2,12}$/).optional(),
  status: z.enum(DEVICE_STATUSES).optional(),
  /** Online now (true) or offline (false); 'true'/'false' as query-string text. */
  online: z.union([z.boolean(), z.enum(['true', 'false'])]).transform((v) => v === true || v === 'true').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(100).optional(),
});

/** The devices in the reader's units (device.read), keyset pages by id. */
export async function listDevices(deps: Deps, { actor, query: raw }: { actor: Actor; query: z.input<typeof listDevicesQuery> }): Promise<Page<DeviceView>> {
  const query = parseInput(listDevicesQuery, raw);
  const scopes = scopesFor(actor, 'device.read');
  if (scopes.length === 0) throw new AppError('FORBIDDEN', 'permission device.read is not granted on any unit');
  if (query.orgCode) requirePermission(actor, 'device.read', query.orgCode);
  return deps.uow.read(async (tx) => {
    const page = await tx.devices.list({ ...query, scopes });
    const names = namer(tx);
    const items: DeviceView[] = [];
    for (const d of page.items) items.push(await deviceView(tx, d, names));
    return { items, next: page.next };
  });
}

export interface DeviceDetail {
  device: DeviceView;
  /** Newest first. */
  events: StoredDeviceEvent[];
  /** The outbox for this device, newest first: what was sent and whether the device acknowledged it. */
  commands: CommandView[];
  requests: DeviceRequestView[];
  history: AuditView[];
  /** What the reader may do to it now (the screen offers only these). */
  actions: ('update' | 'bind' | 'unbind' | 'replace' | 'retire' | 'lock' | 'request_unlock' | 'request_maintenance')[];
}

/** One device with its recent events, commands, requests and registry history. */
export async function getDevice(deps: Deps, { actor, id, limit = 50 }: { actor: Actor; id: string; limit?: number }): Promise<DeviceDetail> {
  return deps.uow.read(async (tx) => {
    const device = await loadDevice(tx, actor, id, 'device.read');
    const names = namer(tx);
    const requests: DeviceRequestView[] = [];
    for (const r of await tx.devices.requests({ scopes: [''], deviceId: id, limit: 20 })) {
      const may = r.status === 'pending' && r.requestedBy !== actor.userId && hasPermission(actor, r.kind === 'unlock' ? 'device.unlock' : 'device.approve', r.orgCode);
      requests.push(await requestView(tx, r, may, names));
    }
    const live = device.status !== 'retired';
    const can = (p: Parameters<typeof hasPermission>[1]) => live && hasPermission(actor, p, device.orgCode);
    const actions: DeviceDetail['actions'] = [];
    if (can('device.manage')) actions.push('update', device.sealId ? 'unbind' : 'bind', 'replace', 'retire');
    if (can('device.lock')) actions.push('lock');
    if (can('device.lock') && unlockable(device) && !requests.some((r) => r.kind === 'unlock' && r.status === 'pending')) actions.push('request_unlock');
    const seal = device.sealId ? await tx.seals.get(device.sealId) : null;
    const onSite = !seal || seal.keeperUserId === actor.userId || (seal.custodyOrgCode !== seal.orgCode && actor.grants.some((g) => g.role === 'station_officer' && isWithin(seal.custodyOrgCode, g.orgCode)));
    if (can('device.maintain') && onSite && !requests.some((r) => r.kind === 'maintenance' && r.status === 'pending')) actions.push('request_maintenance');
    return {
      device: await deviceView(tx, device, names),
      events: await tx.devices.events(id, { limit }),
      commands: (await tx.devices.commands(id, limit)).map(commandView),
      requests,
      history: await withActorNames(tx, await tx.audit.list({ scopes: [''], targetType: 'device', targetId: id, limit: 100 })),
      actions,
    };
  });
}
