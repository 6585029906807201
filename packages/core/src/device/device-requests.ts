import { z } from 'zod';
import { record } from '../audit/record.js';
import { hasPermission, requirePermission, scopesFor, type Actor } from '../auth/actor.js';
import { AppError, notFound } from '../errors.js';
import { isWithin } from '../org/org-code.js';
import type { Deps } from '../ports.js';
import type { Permission } from '../roles.js';
import { parseInput } from '../validate.js';
import { enqueueCommand } from './commands.js';
import { assertNotRetired, deviceReason, loadDevice } from './device-access.js';
import { commandView, namer, requestView, type CommandView, type DeviceRequestView } from './device-view.js';
import { MAINTENANCE_KINDS, type DeviceCommand, type DeviceRequest } from './records.js';
import { sendUnlockInTx } from './remote-lock.js';

/** How long a maintenance opening lasts on the device before it locks again by itself. */
export const MAINTENANCE_WINDOW_MS = 2 * 3600_000;

export const maintenanceRequestInput = z.strictObject({ kind: z.enum(MAINTENANCE_KINDS), reason: deviceReason });
export const decideDeviceRequestInput = z.strictObject({
  approve: z.boolean(),
  opinion: z.string().trim().min(1, 'give an opinion (审批意见)').max(500),
});
export const listDeviceRequestsQuery = z.strictObject({
  deviceId: z.string().min(1).max(40).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

/** The permission a second person needs to decide a request of this kind. */
const DECIDES: Record<DeviceRequest['kind'], Permission> = { unlock: 'device.unlock', maintenance: 'device.approve' };
/** The rule a self-decision breaks, named in the refusal. */
const RULE: Record<DeviceRequest['kind'], string> = { unlock: '解锁需第二人', maintenance: '维护需两人' };

const mayDecide = (actor: Actor, r: DeviceRequest): boolean =>
  r.status === 'pending' && r.requestedBy !== actor.userId && hasPermission(actor, DECIDES[r.kind], r.orgCode);

/**
 * 申请维护 (ink, seal replacement, repair): only the keeper on site asks — the seal's keeper, or
 * for a seal kept at the station one of its officers; a remote approver then decides.
 */
export async function requestMaintenance(
  deps: Deps,
  { actor, id, input: raw }: { actor: Actor; id: string; input: z.infer<typeof maintenanceRequestInput> },
): Promise<{ request: DeviceRequestView; command: CommandView | null }> {
  const input = parseInput(maintenanceRequestInput, raw);
  return deps.uow.write(async (tx) => {
    const device = await loadDevice(tx, actor, id, 'device.maintain');
    assertNotRetired(device);
    const seal = device.sealId ? await tx.seals.get(device.sealId) : null;
    if (seal) {
      const atStation = seal.custodyOrgCode !== seal.orgCode && actor.grants.some((g) => g.role === 'station_officer' && isWithin(seal.custodyOrgCode, g.orgCode));
      if (seal.keeperUserId !== actor.userId && !atStation) {
        throw new AppError('FORBIDDEN', `only the keeper of ${seal.name}${seal.custodyOrgCode !== seal.orgCode ? ' or an officer of the station keeping it' : ''} can ask to open its device`);
      }
    }
    const open = await tx.devices.requests({ scopes: [''], deviceId: device.id, status: 'pending', limit: 20 });
    if (open.some((r) => r.kind === 'maintenance')) throw new AppError('CONFLICT', `a maintenance opening of device ${device.id} is already waiting for a decision`);
    const request: DeviceRequest = {
      id: deps.ids.next(), deviceId: device.id, orgCode: device.orgCode, kind: 'maintenance', maintenanceKind: input.kind, reason: input.reason,
      status: 'pending', requestedBy: actor.userId, requestedAt: deps.clock.now().toISOString(), decidedBy: null, decidedAt: null, opinion: null, version: 1,
    };
    await tx.devices.insertRequest(request);
    await record(tx, deps, actor, {
      action: 'DEVICE_MAINTENANCE_REQUESTED', targetType: 'device_request', targetId: request.id, orgCode: device.orgCode,
      before: null, after: { device: device.id, kind: input.kind, reason: input.reason, sealId: device.sealId },
    });
    return { request: await requestView(tx, request, false), command: null };
  });
}

/**
 * The second person decides an unlock (device.unlock: security administrator, town leader) or a
 * maintenance opening (device.approve). Approval sends the signed command; rejection sends nothing.
 * Whoever asked can never decide their own request.
 */
export async function decideDeviceRequest(
  deps: Deps,
  { actor, id, input: raw }: { actor: Actor; id: string; input: z.infer<typeof decideDeviceRequestInput> },
): Promise<{ request: DeviceRequestView; command: CommandView | null }> {
  const input = parseInput(decideDeviceRequestInput, raw);
  return deps.uow.write(async (tx) => {
    const r = await tx.devices.getRequest(id);
    if (!r || !actor.grants.some((g) => isWithin(r.orgCode, g.orgCode))) throw notFound('device request', id);
    requirePermission(actor, DECIDES[r.kind], r.orgCode);
    if (r.requestedBy === actor.userId) {
      throw new AppError('RULE_VIOLATION', `${RULE[r.kind]}: the person who asked cannot decide their own request; a second person must`, { details: { rule: RULE[r.kind] } });
    }
    if (r.status !== 'pending') throw new AppError('ILLEGAL_TRANSITION', `the request is ${r.status} already`, { field: 'status' });
    const device = await tx.devices.get(r.deviceId);
    if (!device) throw notFound('device', r.deviceId);
    assertNotRetired(device);
    const now = deps.clock.now();
    const decided = await tx.devices.updateRequest(r.id, r.version, {
      status: input.approve ? 'approved' : 'rejected', decidedBy: actor.userId, decidedAt: now.toISOString(), opinion: input.opinion,
    });
    let command: DeviceCommand | null = null;
    if (input.approve && r.kind === 'unlock') command = (await sendUnlockInTx(tx, deps, actor, device, r.reason)).command;
    if (input.approve && r.kind === 'maintenance') {
      const until = new Date(now.getTime() + MAINTENANCE_WINDOW_MS).toISOString();
      command = await enqueueCommand(tx, deps, { device, type: 'maintenance', body: { kind: r.maintenanceKind ?? 'repair', until, reason: r.reason }, createdBy: actor.userId });
    }
    await record(tx, deps, actor, {
      action: r.kind === 'unlock' ? 'DEVICE_UNLOCK_DECIDED' : 'DEVICE_MAINTENANCE_DECIDED', targetType: 'device_request', targetId: r.id, orgCode: r.orgCode,
      before: { status: r.status }, after: { status: decided.status, opinion: input.opinion, device: device.id, command: command?.id ?? null },
    });
    return { request: await requestView(tx, decided, false), command: command && commandView(command) };
  });
}

/** The requests waiting for the reader's decision, and the reader's own (newest first). */
export async function listDeviceRequests(deps: Deps, { actor, query: raw }: { actor: Actor; query: z.input<typeof listDeviceRequestsQuery> }): Promise<DeviceRequestView[]> {
  const query = parseInput(listDeviceRequestsQuery, raw);
  const decideScopes = { unlock: scopesFor(actor, 'device.unlock'), maintenance: scopesFor(actor, 'device.approve') };
  const askScopes = [...new Set([...scopesFor(actor, 'device.lock'), ...scopesFor(actor, 'device.maintain')])];
  if (!decideScopes.unlock.length && !decideScopes.maintenance.length && !askScopes.length) {
    throw new AppError('FORBIDDEN', 'no permission to ask for or decide device requests on any unit');
  }
  return deps.uow.read(async (tx) => {
    const found = new Map<string, DeviceRequest>();
    const base = { deviceId: query.deviceId, limit: query.limit };
    for (const kind of ['unlock', 'maintenance'] as const) {
      if (!decideScopes[kind].length) continue;
      for (const r of await tx.devices.requests({ ...base, scopes: decideScopes[kind], status: 'pending' })) if (r.kind === kind) found.set(r.id, r);
    }
    if (askScopes.length) for (const r of await tx.devices.requests({ ...base, scopes: askScopes })) if (r.requestedBy === actor.userId) found.set(r.id, r);
    const items = [...found.values()].sort((a, b) => (a.requestedAt === b.requestedAt ? b.id.localeCompare(a.id) : b.requestedAt.localeCompare(a.requestedAt))).slice(0, query.limit);
    const names = namer(tx);
    const views: DeviceRequestView[] = [];
    for (const r of items) views.push(await requestView(tx, r, mayDecide(actor, r), names));
    return views;
  });
}
