import { record } from '../audit/record.js';
import { systemActor } from '../auth/actor.js';
import type { Deps, Tx } from '../ports.js';
import type { Device, DeviceCommand } from './records.js';

/**
 * A device acknowledged a command (an `ack` event, device-protocol §8): the outbox stops
 * re-sending it; a lock or unlock the device confirmed clears "locking…" and is audited.
 * A refusal (ok=false) is kept with its error; a lock refused stays wanted, so the UI shows it.
 */
export async function applyCommandAck(
  tx: Tx,
  deps: Pick<Deps, 'clock'>,
  { device, ack, at }: { device: Device; ack: { cmd: string; ok: boolean; error?: string }; at: string },
): Promise<{ command: DeviceCommand | null; device: Device }> {
  const cmd = await tx.devices.getCommand(ack.cmd);
  if (!cmd || cmd.deviceId !== device.id) return { command: null, device };
  if (cmd.status === 'pending') {
    await tx.devices.updateCommand(cmd.id, { status: ack.ok ? 'acked' : 'refused', ackedAt: at, error: ack.ok ? null : (ack.error ?? 'refused') });
  }
  let updated = device;
  if (device.lockCommandId === cmd.id && ack.ok) {
    updated = await tx.devices.update(device.id, device.version, { lockCommandId: null, updatedAt: at });
    await record(tx, deps, systemActor(`device:${device.id}`), {
      action: cmd.type === 'lock' ? 'DEVICE_LOCKED' : 'DEVICE_UNLOCKED', targetType: 'device', targetId: device.id, orgCode: device.orgCode,
      before: { command: cmd.id }, after: { lockWanted: device.lockWanted, ackedAt: at },
    });
  }
  return { command: { ...cmd, status: cmd.status === 'pending' ? (ack.ok ? 'acked' : 'refused') : cmd.status, ackedAt: at }, device: updated };
}
