import { z } from 'zod';
import { record } from '../audit/record.js';
import type { Actor } from '../auth/actor.js';
import type { Deps, Tx } from '../ports.js';
import { parseInput } from '../validate.js';
import { unbindInTx } from './bind-device.js';
import { assertNotRetired, deviceReason, loadDevice } from './device-access.js';
import { deviceView, type DeviceView } from './device-view.js';
import type { Device } from './records.js';

export const retireDeviceInput = z.strictObject({ reason: deviceReason });

/**
 * Takes a device out of service in the caller's transaction (no audit entry: the caller says
 * why): its seal is unbound, its status `retired` makes the gateway refuse its credentials, the
 * commands still waiting for it are dropped and the requests about it cancelled.
 */
export async function retireInTx(tx: Tx, deps: Pick<Deps, 'clock'>, device: Device, replacedBy: string | null): Promise<{ device: Device; sealId: string | null }> {
  assertNotRetired(device);
  const now = deps.clock.now().toISOString();
  const { device: unbound, sealId } = await unbindInTx(tx, deps, device);
  const retired = await tx.devices.update(device.id, unbound.version, { status: 'retired', replacedBy, lockCommandId: null, updatedAt: now });
  for (const c of await tx.devices.commands(device.id, 500)) {
    if (c.status === 'pending') await tx.devices.updateCommand(c.id, { status: 'superseded', error: 'device retired' });
  }
  for (const r of await tx.devices.requests({ scopes: [''], deviceId: device.id, status: 'pending', limit: 100 })) {
    await tx.devices.updateRequest(r.id, r.version, { status: 'cancelled', decidedAt: now, opinion: 'device retired' });
  }
  return { device: retired, sealId };
}

/** 停用设备: credentials stop admitting it and its seal is unbound (stamped by hand until a new device). */
export async function retireDevice(deps: Deps, { actor, id, input: raw }: { actor: Actor; id: string; input: z.infer<typeof retireDeviceInput> }): Promise<DeviceView> {
  const input = parseInput(retireDeviceInput, raw);
  return deps.uow.write(async (tx) => {
    const device = await loadDevice(tx, actor, id, 'device.manage');
    const { device: retired, sealId } = await retireInTx(tx, deps, device, null);
    await record(tx, deps, actor, {
      action: 'DEVICE_RETIRED', targetType: 'device', targetId: id, orgCode: device.orgCode,
      before: { status: device.status, sealId }, after: { status: 'retired', sealId: null, reason: input.reason },
    });
    return deviceView(tx, retired);
  });
}
