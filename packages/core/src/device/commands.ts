import type { CommandType } from '@cunzhang/protocol';
import type { Deps, Tx } from '../ports.js';
import type { Device, DeviceCommand } from './records.js';

/** How long a command stays valid (its `exp`), by type: a lock must still hold when a device returns. */
export const COMMAND_TTL_MS: Record<CommandType, number> = {
  lock: 7 * 24 * 3600_000, unlock: 24 * 3600_000, authorize: 24 * 3600_000, revoke: 24 * 3600_000,
  time: 60_000, maintenance: 12 * 3600_000, config: 7 * 24 * 3600_000,
};
/** Re-send schedule of the outbox: 5 s, 10 s, 20 s, 40 s, then every 60 s until acked or expired. */
export const retryDelayMs = (attempts: number): number => Math.min(60_000, 5_000 * 2 ** Math.max(0, attempts - 1));

/**
 * Signs a command with the platform key and puts it in the outbox (device-protocol §8). The
 * gateway sends it at once and re-sends until the device acknowledges; an older pending
 * command of a type that replaces (lock/unlock, config) is marked superseded.
 */
export async function enqueueCommand(
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids' | 'deviceKeys' | 'signals'>,
  { device, type, body, createdBy }: { device: Pick<Device, 'id'>; type: CommandType; body: Record<string, unknown>; createdBy: string },
): Promise<DeviceCommand> {
  const now = deps.clock.now();
  const id = deps.ids.next();
  const exp = new Date(now.getTime() + COMMAND_TTL_MS[type]);
  const message = deps.deviceKeys.sign({
    v: 1, id, dev: device.id, type, nonce: deps.deviceKeys.secret(16), iat: now.toISOString(), exp: exp.toISOString(), body,
  });
  const supersedes: readonly string[] = type === 'lock' || type === 'unlock' ? ['lock', 'unlock'] : type === 'config' ? ['config'] : [];
  if (supersedes.length) {
    for (const c of await tx.devices.commands(device.id, 50)) {
      if (c.status === 'pending' && supersedes.includes(c.type)) await tx.devices.updateCommand(c.id, { status: 'superseded' });
    }
  }
  const cmd: DeviceCommand = {
    id, deviceId: device.id, type, message: JSON.stringify(message), status: 'pending', attempts: 0, nextAttemptAt: now.toISOString(),
    expiresAt: exp.toISOString(), createdBy, createdAt: now.toISOString(), ackedAt: null, error: null,
  };
  await tx.devices.insertCommand(cmd);
  tx.afterCommit(() => deps.signals?.commandQueued(device.id));
  return cmd;
}
