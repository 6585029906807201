import { z } from 'zod';
import { record } from '../audit/record.js';
import type { Actor } from '../auth/actor.js';
import { AppError } from '../errors.js';
import type { Deps } from '../ports.js';
import { parseInput } from '../validate.js';
import { enqueueCommand } from './commands.js';
import { assertNotRetired, configBody, deviceLabel, geofenceInput, hoursInput, loadDevice } from './device-access.js';
import { commandView, deviceView, type CommandView, type DeviceView } from './device-view.js';
import type { Device } from './records.js';

export const updateDeviceInput = z.strictObject({
  label: deviceLabel.optional(),
  /** null removes the fence. */
  geofence: geofenceInput.nullable().optional(),
  /** null allows every hour. */
  hours: hoursInput.nullable().optional(),
});

/**
 * Changes a device's label, geofence or allowed hours. A new fence or new hours also go to the
 * device as a signed `config` command (it checks them offline too); a label is the registry's alone.
 */
export async function updateDevice(
  deps: Deps,
  { actor, id, input: raw }: { actor: Actor; id: string; input: z.infer<typeof updateDeviceInput> },
): Promise<{ device: DeviceView; command: CommandView | null }> {
  const input = parseInput(updateDeviceInput, raw);
  if (Object.keys(input).length === 0) throw new AppError('VALIDATION', 'nothing to change');
  return deps.uow.write(async (tx) => {
    const device = await loadDevice(tx, actor, id, 'device.manage');
    assertNotRetired(device);
    const patch: Partial<Device> = { ...input, updatedAt: deps.clock.now().toISOString() };
    const updated = await tx.devices.update(id, device.version, patch);
    const before = Object.fromEntries(Object.keys(input).map((k) => [k, device[k as keyof typeof input]]));
    await record(tx, deps, actor, { action: 'DEVICE_UPDATED', targetType: 'device', targetId: id, orgCode: device.orgCode, before, after: input });
    const reachesDevice = input.geofence !== undefined || input.hours !== undefined;
    const command = reachesDevice
      ? await enqueueCommand(tx, deps, { device, type: 'config', body: configBody(updated, updated.geofence, updated.hours), createdBy: actor.userId })
      : null;
    return { device: await deviceView(tx, updated), command: command && commandView(command) };
  });
}
