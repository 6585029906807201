import { z } from 'zod';
import { record } from '../audit/record.js';
import type { Actor } from '../auth/actor.js';
import { AppError } from '../errors.js';
import type { Deps, Tx } from '../ports.js';
import { parseInput } from '../validate.js';
import { enqueueCommand } from './commands.js';
import { assertNotRetired, deviceReason, loadDevice } from './device-access.js';
import { commandView, deviceView, requestView, type CommandView, type DeviceRequestView, type DeviceView } from './device-view.js';
import { lockDeviceInTx } from './lock-device.js';
import type { Device, DeviceCommand, DeviceRequest } from './records.js';

export const lockDeviceInput = z.strictObject({ reason: deviceReason });
export const unlockRequestInput = z.strictObject({ reason: deviceReason });

/** 一键锁定: anyone holding device.lock on the device's unit locks it at once (no second person). */
export async function lockDevice(deps: Deps, { actor, id, input: raw }: { actor: Actor; id: string; input: z.infer<typeof lockDeviceInput> }): Promise<DeviceView> {
  const input = parseInput(lockDeviceInput, raw);
  return deps.uow.write(async (tx) => {
    const device = await loadDevice(tx, actor, id, 'device.lock');
    assertNotRetired(device);
    const { device: locked } = await lockDeviceInTx(tx, deps, { actor, device, reason: input.reason });
    return deviceView(tx, locked);
  });
}

/**
 * Sends the unlock in the caller's transaction: the platform no longer wants the device locked
 * and shows "unlocking…" until the device acknowledges (command-ack.ts then audits DEVICE_UNLOCKED).
 */
export async function sendUnlockInTx(tx: Tx, deps: Pick<Deps, 'clock' | 'ids' | 'deviceKeys'>, actor: Actor, device: Device, reason: string): Promise<{ device: Device; command: DeviceCommand }> {
  const command = await enqueueCommand(tx, deps, { device, type: 'unlock', body: { reason }, createdBy: actor.userId });
  const updated = await tx.devices.update(device.id, device.version, { lockWanted: false, lockReason: null, lockCommandId: command.id, updatedAt: deps.clock.now().toISOString() });
  return { device: updated, command };
}

/**
 * Is there a lock to undo? The platform's own (lockWanted), or one the device reports: it
 * alarm-locks itself on tamper and on a forced press (device-protocol §5.3, also when the town
 * turned that rule's auto-lock off) and leaves that state only by an unlock command.
 */
export const unlockable = (d: Pick<Device, 'lockWanted' | 'state'>): boolean => d.lockWanted || d.state === 'alarm_locked';

/**
 * 申请解锁: a device.lock holder asks, with a reason, for a locked device to be unlocked. With
 * 解锁需第二人 (the default) the request waits for a different person holding device.unlock;
 * without it the request is granted at once and the unlock goes out.
 */
export async function requestUnlock(
  deps: Deps,
  { actor, id, input: raw }: { actor: Actor; id: string; input: z.infer<typeof unlockRequestInput> },
): Promise<{ request: DeviceRequestView; command: CommandView | null }> {
  const input = parseInput(unlockRequestInput, raw);
  return deps.uow.write(async (tx) => {
    const device = await loadDevice(tx, actor, id, 'device.lock');
    assertNotRetired(device);
    if (!unlockable(device)) throw new AppError('ILLEGAL_TRANSITION', `device ${device.id} is not locked: there is nothing to unlock`, { field: 'status' });
    const open = await tx.devices.requests({ scopes: [''], deviceId: device.id, status: 'pending', limit: 20 });
    if (open.some((r) => r.kind === 'unlock')) throw new AppError('CONFLICT', `an unlock of device ${device.id} is already waiting for a decision`);
    const now = deps.clock.now().toISOString();
    const atOnce = !deps.policy.unlockSecondPerson;
    const request: DeviceRequest = {
      id: deps.ids.next(), deviceId: device.id, orgCode: device.orgCode, kind: 'unlock', maintenanceKind: null, reason: input.reason,
      status: atOnce ? 'approved' : 'pending', requestedBy: actor.userId, requestedAt: now,
      decidedBy: atOnce ? actor.userId : null, decidedAt: atOnce ? now : null, opinion: atOnce ? '无需第二人 (second person not required)' : null, version: 1,
    };
    await tx.devices.insertRequest(request);
    const sent = atOnce ? await sendUnlockInTx(tx, deps, actor, device, input.reason) : null;
    await record(tx, deps, actor, {
      action: 'DEVICE_UNLOCK_REQUESTED', targetType: 'device_request', targetId: request.id, orgCode: device.orgCode,
      before: { lockWanted: device.lockWanted, lockReason: device.lockReason },
      after: { device: device.id, reason: input.reason, status: request.status, command: sent?.command.id ?? null },
    });
    return { request: await requestView(tx, request, false), command: sent && commandView(sent.command) };
  });
}
