import { z } from 'zod';
import { record } from '../audit/record.js';
import type { Actor } from '../auth/actor.js';
import { AppError } from '../errors.js';
import { isWithin } from '../org/org-code.js';
import type { Deps, Tx } from '../ports.js';
import { parseInput } from '../validate.js';
import { assertNotRetired, loadDevice } from './device-access.js';
import { deviceView, type DeviceView } from './device-view.js';
import type { Device } from './records.js';

export const bindDeviceInput = z.strictObject({ sealId: z.string().min(1).max(40) });
export const unbindDeviceInput = z.strictObject({});

/** Seal states in which no device may be bound to it: out of use for good or for now. */
const OUT_OF_USE = ['suspended', 'void', 'retired'];

/**
 * Binds a device to a seal in the caller's transaction: the device must be installed where the
 * seal is kept (the village for a village seal, the town's station for a contract seal), the
 * seal has at most one device, and the seal's record names its device (authorizations copy it).
 */
export async function bindInTx(tx: Tx, deps: Pick<Deps, 'clock'>, actor: Actor, device: Device, sealId: string): Promise<Device> {
  assertNotRetired(device);
  const seal = await tx.seals.get(sealId);
  if (!seal || !actor.grants.some((g) => isWithin(seal.orgCode, g.orgCode) || isWithin(seal.custodyOrgCode, g.orgCode))) {
    throw new AppError('NOT_FOUND', `seal ${sealId} not found`, { field: 'sealId' });
  }
  if (device.sealId === seal.id) throw new AppError('CONFLICT', `device ${device.id} is bound to this seal already`, { field: 'sealId' });
  if (device.sealId) throw new AppError('CONFLICT', `device ${device.id} is bound to another seal (${device.sealId}); unbind it first`, { field: 'sealId' });
  if (OUT_OF_USE.includes(seal.status)) {
    throw new AppError('ILLEGAL_TRANSITION', `seal ${seal.name} is ${seal.status}: a device is bound only to a seal in use or about to be`, { field: 'sealId' });
  }
  if (device.orgCode !== seal.custodyOrgCode) {
    const where = seal.custodyOrgCode === seal.orgCode ? `in its village ${seal.orgCode}` : `at the town's station ${seal.custodyOrgCode}`;
    throw new AppError('RULE_VIOLATION', `seal ${seal.name} is kept ${where}; device ${device.id} is installed in ${device.orgCode}`, { field: 'sealId' });
  }
  const other = await tx.devices.bySeal(seal.id);
  if (other && other.id !== device.id) {
    throw new AppError('CONFLICT', `seal ${seal.name} already has device ${other.id}; unbind or replace that one first`, { field: 'sealId' });
  }
  const now = deps.clock.now().toISOString();
  // 在用: a device in charge of a seal is active; unbound it is only provisioned (登记).
  const updated = await tx.devices.update(device.id, device.version, { sealId: seal.id, status: 'active', updatedAt: now });
  await tx.seals.update(seal.id, seal.version, { deviceId: device.id, updatedAt: now });
  await record(tx, deps, actor, {
    action: 'DEVICE_BOUND', targetType: 'device', targetId: device.id, orgCode: device.orgCode,
    before: { sealId: null, sealDeviceId: seal.deviceId, status: device.status }, after: { sealId: seal.id, sealName: seal.name, status: 'active' },
  });
  return updated;
}

/** Takes a device off its seal (and the seal's record off the device), in the caller's transaction. */
export async function unbindInTx(tx: Tx, deps: Pick<Deps, 'clock'>, device: Device): Promise<{ device: Device; sealId: string | null }> {
  const sealId = device.sealId;
  if (!sealId) return { device, sealId: null };
  const now = deps.clock.now().toISOString();
  const updated = await tx.devices.update(device.id, device.version, { sealId: null, ...(device.status === 'active' ? { status: 'provisioned' as const } : {}), updatedAt: now });
  const seal = await tx.seals.get(sealId);
  if (seal && seal.deviceId === device.id) await tx.seals.update(seal.id, seal.version, { deviceId: null, updatedAt: now });
  return { device: updated, sealId };
}

/** 绑定印章: puts a device in charge of a seal. */
export async function bindDevice(deps: Deps, { actor, id, input: raw }: { actor: Actor; id: string; input: z.infer<typeof bindDeviceInput> }): Promise<DeviceView> {
  const input = parseInput(bindDeviceInput, raw);
  return deps.uow.write(async (tx) => {
    const device = await loadDevice(tx, actor, id, 'device.manage');
    return deviceView(tx, await bindInTx(tx, deps, actor, device, input.sealId));
  });
}

/** 解除绑定: the seal goes back to being stamped by hand (the keeper records each impression). */
export async function unbindDevice(deps: Deps, { actor, id }: { actor: Actor; id: string }): Promise<DeviceView> {
  return deps.uow.write(async (tx) => {
    const device = await loadDevice(tx, actor, id, 'device.manage');
    assertNotRetired(device);
    if (!device.sealId) throw new AppError('ILLEGAL_TRANSITION', `device ${device.id} is not bound to a seal`, { field: 'sealId' });
    const { device: updated, sealId } = await unbindInTx(tx, deps, device);
    await record(tx, deps, actor, {
      action: 'DEVICE_BOUND', targetType: 'device', targetId: device.id, orgCode: device.orgCode, before: { sealId }, after: { sealId: null },
    });
    return deviceView(tx, updated);
  });
}
