import { z } from 'zod';
import { record } from '../audit/record.js';
import type { Actor } from '../auth/actor.js';
import type { Deps } from '../ports.js';
import { parseInput } from '../validate.js';
import { bindInTx } from './bind-device.js';
import { enqueueCommand } from './commands.js';
import { assertNotRetired, configBody, deviceLabel, deviceReason, loadDevice } from './device-access.js';
import { deviceView, type DeviceView } from './device-view.js';
import { createDeviceInTx, provisionedFacts, type Endpoints, type Provisioned } from './provision-device.js';
import { retireInTx } from './retire-device.js';
import { lockDeviceInTx } from './lock-device.js';

export const replaceDeviceInput = z.strictObject({
  reason: deviceReason,
  /** The new device's label; the old one's when left out. */
  label: deviceLabel.optional(),
  /** The new device's own public key (secure element); a pair is made otherwise. */
  publicKey: z.string().trim().regex(/^04[0-9a-fA-F]{128}$/, 'must be an SM2 public key: 130 hex digits starting 04').optional(),
});

/**
 * 更换设备: a new device takes over the old one's unit, seal, fence and hours; the old one is
 * retired and points to its successor. One audit entry per record changed: the new device's
 * DEVICE_PROVISIONED and DEVICE_BOUND (when it takes the seal), the old one's DEVICE_REPLACED.
 */
export async function replaceDevice(
  deps: Deps,
  { actor, id, input: raw, endpoints }: { actor: Actor; id: string; input: z.infer<typeof replaceDeviceInput>; endpoints: Endpoints },
): Promise<Provisioned & { replaced: DeviceView }> {
  const input = parseInput(replaceDeviceInput, raw);
  return deps.uow.write(async (tx) => {
    const old = await loadDevice(tx, actor, id, 'device.manage');
    assertNotRetired(old);
    const made = await createDeviceInTx(tx, deps, {
      orgCode: old.orgCode, label: input.label ?? old.label, publicKey: input.publicKey, geofence: old.geofence, hours: old.hours, virtual: old.virtual, replaces: old.id,
    }, endpoints);
    await record(tx, deps, actor, {
      action: 'DEVICE_PROVISIONED', targetType: 'device', targetId: made.device.id, orgCode: old.orgCode, before: null, after: provisionedFacts(made.device, !input.publicKey),
    });
    const { device: retired, sealId } = await retireInTx(tx, deps, old, made.device.id);
    let device = made.device;
    if (sealId) {
      const seal = await tx.seals.get(sealId);
      // The seal left use meanwhile: the new device is entered unbound, like the old one now.
      if (seal && !['suspended', 'void', 'retired'].includes(seal.status)) device = await bindInTx(tx, deps, actor, device, sealId);
    }
    await record(tx, deps, actor, {
      action: 'DEVICE_REPLACED', targetType: 'device', targetId: old.id, orgCode: old.orgCode,
      before: { status: old.status, sealId: old.sealId }, after: { status: 'retired', replacedBy: device.id, sealId: device.sealId, reason: input.reason },
    });
    if (device.geofence || device.hours) {
      await enqueueCommand(tx, deps, { device, type: 'config', body: configBody(device, device.geofence, device.hours), createdBy: actor.userId });
    }
    // A lock is not escaped by swapping the box: the new device starts locked when the old one
    // was (or was locking), and only the two-person unlock opens it.
    if (old.lockWanted || old.state === 'alarm_locked') {
      device = (await lockDeviceInTx(tx, deps, { actor, device, reason: `更换前的设备 ${old.id} 处于锁定状态：${old.lockReason ?? '设备自行告警锁定'}`.slice(0, 200) })).device;
    }
    return { device: await deviceView(tx, device), replaced: await deviceView(tx, retired), bundle: made.bundle };
  });
}
