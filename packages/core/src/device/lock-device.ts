import { record } from '../audit/record.js';
import type { Actor } from '../auth/actor.js';
import type { Deps, Tx } from '../ports.js';
import { enqueueCommand } from './commands.js';
import type { Device, DeviceCommand } from './records.js';

/**
 * Orders a device locked inside the caller's transaction: the platform's wish is stored on the
 * device (lockWanted), the signed lock command goes into the outbox, and the device shows
 * "locking…" until it acknowledges (device-protocol §8.2). Used by the one-tap lock and by
 * critical alarms (actor = the system, with the alarm's id).
 */
export async function lockDeviceInTx(
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids' | 'deviceKeys' | 'signals'>,
  { actor, device, reason, alarmId }: { actor: Actor; device: Device; reason: string; alarmId?: string },
): Promise<{ device: Device; command: DeviceCommand }> {
  const command = await enqueueCommand(tx, deps, {
    device, type: 'lock', body: { reason, ...(alarmId ? { alarm: alarmId } : {}) }, createdBy: actor.userId,
  });
  const updated = await tx.devices.update(device.id, device.version, {
    lockWanted: true, lockReason: reason, lockCommandId: command.id, updatedAt: deps.clock.now().toISOString(),
  });
  await record(tx, deps, actor, {
    action: 'DEVICE_LOCK_REQUESTED', targetType: 'device', targetId: device.id, orgCode: device.orgCode,
    before: { lockWanted: device.lockWanted }, after: { lockWanted: true, reason, command: command.id, alarm: alarmId ?? null },
  });
  return { device: updated, command };
}

/** What a lock/unlock looks like from outside: the UI's 已锁定 / 锁定中… / 解锁中… / 正常. */
export function lockDisplay(d: Pick<Device, 'lockWanted' | 'lockCommandId'>): 'locked' | 'locking' | 'unlocking' | 'unlocked' {
  if (d.lockWanted) return d.lockCommandId ? 'locking' : 'locked';
  return d.lockCommandId ? 'unlocking' : 'unlocked';
}
