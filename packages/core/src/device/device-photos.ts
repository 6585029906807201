import { z } from 'zod';
import { AppError } from '../errors.js';
import type { Deps } from '../ports.js';
import { parseInput } from '../validate.js';

const sm3 = z.string().regex(/^[0-9a-f]{64}$/, 'must be the SM3 of the photo: 64 lower-case hex digits');
export const devicePhotoInput = z.strictObject({ deviceId: z.string().min(1).max(32), sm3, bodySm3: sm3 });

/**
 * May these bytes be taken as the photo `sm3` (device-protocol §11)? Only when a signed
 * impression event of that device announced it: the signature on the event is the authority
 * for the bytes, so the upload needs no credential of its own. Answers whether it is new.
 */
export async function checkDevicePhoto(deps: Pick<Deps, 'uow'>, raw: z.input<typeof devicePhotoInput>): Promise<'new' | 'stored'> {
  const input = parseInput(devicePhotoInput, raw);
  const photo = await deps.uow.read((tx) => tx.devices.photo(input.sm3));
  if (!photo || photo.deviceId !== input.deviceId) {
    throw new AppError('NOT_FOUND', `photo ${input.sm3} was not announced by an impression event of device ${input.deviceId}`, { field: 'sm3' });
  }
  if (input.bodySm3 !== input.sm3) {
    throw new AppError('RULE_VIOLATION', `the uploaded bytes have SM3 ${input.bodySm3}, not ${input.sm3}: the photo was changed or cut short`, { field: 'sm3' });
  }
  return photo.storedAt ? 'stored' : 'new';
}

/** The photo is stored: its thumbnail goes on the ledger entries that show it (their applications are returned). */
export async function recordDevicePhoto(deps: Pick<Deps, 'uow' | 'clock'>, { sm3: key, thumbKey }: { sm3: string; thumbKey: string }): Promise<string[]> {
  return deps.uow.write((tx) => tx.devices.photoStored(key, thumbKey, deps.clock.now().toISOString()));
}
