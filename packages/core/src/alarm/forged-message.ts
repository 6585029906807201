import { townOf } from '../org/org-code.js';
import type { Deps } from '../ports.js';
import { raiseAlarm } from './raise-alarm.js';
import type { Alarm } from './records.js';
import { effectiveRules } from './rules.js';

/**
 * Why the gateway refused a message of an authenticated device (device-protocol §8):
 * bad_signature / bad_mac: the SM2 signature or heartbeat MAC does not verify;
 * replayed: a message of a sequence number already stored, with a different signature;
 * foreign_topic / device_mismatch: published under another device's topic, or `dev` names
 * another device; clock_far_off: its time is further ahead of the platform clock than the
 * tolerance (a 'clock_skew' alarm). Other reasons the gateway names are kept as they are.
 */
export const REFUSAL_REASONS = ['bad_signature', 'bad_mac', 'replayed', 'foreign_topic', 'device_mismatch', 'clock_far_off'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number] | (string & {});

/**
 * The gateway refused a message that suggests an attack or a broken device: a 'forged_message'
 * alarm (or 'clock_skew' for a clock far off), one open alarm per device and reason however
 * often it repeats. Unknown devices raise nothing (they are not admitted by the broker anyway).
 * Returns the alarm when it is new, null otherwise.
 */
export async function forgedMessage(
  deps: Deps,
  { deviceId, reason, topic, detail, at }: { deviceId: string; reason: RefusalReason; topic: string; detail?: string; at?: string },
): Promise<Alarm | null> {
  return deps.uow.write(async (tx) => {
    const device = await tx.devices.get(deviceId);
    if (!device || device.status === 'retired') return null;
    const rules = await effectiveRules(tx, townOf(device.orgCode));
    const rule = reason === 'clock_far_off' ? 'clock_skew' : 'forged_message';
    const evidence = { reason: reason.slice(0, 64), topic: topic.slice(0, 200), detail: detail?.slice(0, 500) ?? null, at: at ?? deps.clock.now().toISOString(), source: 'gateway' };
    const r = await raiseAlarm(tx, deps, rules, {
      rule, orgCode: device.orgCode, device, evidence, dedupeKey: rule === 'clock_skew' ? `clock_skew:${device.id}` : `forged_message:${device.id}:${reason.slice(0, 64)}`,
    });
    return r?.created ? r.alarm : null;
  });
}
