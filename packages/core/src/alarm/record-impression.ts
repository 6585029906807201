import type { DeviceEventOf } from '@cunzhang/protocol';
import type { Authorization, Stamping } from '../application/records.js';
import { record } from '../audit/record.js';
import { systemActor } from '../auth/actor.js';
import { evaluateImpression, isBurst, type MissingAuthorization } from './evaluate-impression.js';
import type { DeviceSlot, IngestBatch } from './ingest-batch.js';
import type { Alarm } from './records.js';
import { BURST_FLOOR, thresholdOf, type Finding } from './rules.js';

export interface RecordedImpression {
  alarms: Alarm[];
  stamping?: Stamping;
  applicationId?: string;
}

/**
 * An impression reported by a device (domain W2, device-protocol §12): checked against its
 * authorization at the device time, recorded in the ledger as a stamping row with the device's
 * facts and flags, counted on the authorization, audited, and judged by the anomaly rules.
 * Without an authorization of the device's seal there is no ledger row to hang it off (the event
 * itself stays stored): a critical alarm says so.
 */
export async function recordImpression(
  b: IngestBatch, slot: DeviceSlot, ev: DeviceEventOf<'impression'>, receivedAt: string, fresh: boolean,
): Promise<RecordedImpression> {
  const { tx, deps } = b;
  const body = ev.body;
  const device = slot.device;
  // The photos travel separately (device-protocol §11): the signed event is what admits them.
  await tx.devices.announcePhotos(device.id, [body.before.sm3, body.after.sm3], receivedAt);
  let auth: Authorization | null = null;
  let missing: MissingAuthorization | null = null;
  if (body.auth === null) missing = 'no_authorization';
  else {
    auth = await b.authorization(body.auth);
    if (!auth) missing = 'unknown_authorization';
    // A token of another seal: the device should have refused it; the ledger row would lie.
    else if (auth.sealId !== device.sealId) [auth, missing] = [null, 'foreign_authorization'];
  }
  const rules = await b.rules(slot);
  const verdict = evaluateImpression({
    deviceId: device.id, seq: ev.seq, deviceTime: ev.ts, receivedAt, body, fence: device.geofence, hours: device.hours, authorization: auth, missing,
  }, rules, deps.policy.timeZone);
  if (fresh) Object.assign(slot.patch, { latE6: body.lat_e6, lngE6: body.lng_e6 });
  if (!auth) return { alarms: await b.raise(slot, verdict.findings, ev.seq) };

  const now = deps.clock.now();
  const used = auth.impressionsUsed + 1;
  const authorization = await tx.applications.updateAuthorization(auth.id, auth.version, {
    impressionsUsed: used, ...(auth.status === 'active' && used >= auth.impressionsAllowed ? { status: 'used' as const } : {}),
  });
  b.keepAuthorization(authorization);
  // Only the first impression moves the application (approved → stamped): later ones need not read it.
  let stampedNow = false;
  const seal = await b.seal(auth.sealId);
  let orgCode = seal?.orgCode ?? device.orgCode;
  if (auth.impressionsUsed === 0) {
    const app = await tx.applications.get(auth.applicationId);
    if (app) orgCode = app.orgCode;
    if (app?.status === 'approved') {
      await tx.applications.update(app.id, app.version, { status: 'stamped', updatedAt: now.toISOString() });
      stampedNow = true;
    }
  }
  const stamping: Stamping = {
    id: deps.ids.next(), applicationId: auth.applicationId, authorizationId: auth.id, sealId: auth.sealId, orgCode, source: 'device', impressions: 1,
    stampedAt: ev.ts, operatorUserId: null, deviceId: device.id, latitude: body.lat_e6 / 1e6, longitude: body.lng_e6 / 1e6,
    // The blob store is addressed by SM3: the photos arrive later over HTTP under these keys.
    photoKey: body.after.sm3, thumbKey: null, sm3: body.after.sm3, phash: body.after.phash,
    matchedPageNo: verdict.matchedPageNo, phashDistance: verdict.match?.distance ?? null, note: null, createdAt: now.toISOString(),
    deviceSeq: ev.seq, receivedAt, beforeKey: body.before.sm3, flags: verdict.flags,
  };
  await tx.stampings.insert(stamping);
  await record(tx, deps, systemActor(`device:${device.id}`), {
    action: 'STAMPING_RECORDED', targetType: 'application', targetId: auth.applicationId, orgCode,
    before: { impressionsUsed: auth.impressionsUsed, authorizationStatus: auth.status },
    after: {
      stamping: stamping.id, source: 'device', deviceId: device.id, deviceSeq: ev.seq, impressions: 1, n: body.n, impressionsUsed: used,
      impressionsAllowed: auth.impressionsAllowed, authorizationStatus: authorization.status, applicationStamped: stampedNow,
      stampedAt: ev.ts, receivedAt, operator: body.operator, offline: body.offline, matchedPageNo: stamping.matchedPageNo,
      phashDistance: stamping.phashDistance, pageMatches: stamping.matchedPageNo !== null, photoSm3: body.after.sm3, beforeSm3: body.before.sm3, flags: verdict.flags,
    },
  });

  const findings: Finding[] = verdict.findings.map((f) => ({ ...f, evidence: { ...f.evidence, stampingId: stamping.id } }));
  const burst = await burstFinding(b, orgCode, ev.ts, thresholdOf(rules, 'burst'), rules.burst.enabled);
  if (burst) findings.push(burst);
  return { alarms: await b.raise(slot, findings, ev.seq), stamping, applicationId: auth.applicationId };
}

/** The burst rule over the village's last hour, for an impression made within that hour. */
async function burstFinding(b: IngestBatch, orgCode: string, deviceTime: string, factor: number, enabled: boolean): Promise<Finding | null> {
  const now = b.deps.clock.now();
  const made = Date.parse(deviceTime);
  if (!enabled || made <= now.getTime() - 3_600_000) return null;
  const lastHour = await b.lastHourCount(orgCode, now);
  if (lastHour <= BURST_FLOOR) return null;
  const hourAgo = new Date(now.getTime() - 3_600_000);
  const last30Days = await b.once(`burst-base:${orgCode}`, () =>
    b.tx.alarms.impressionsIn(orgCode, new Date(hourAgo.getTime() - 30 * 86_400_000).toISOString(), hourAgo.toISOString()));
  const verdict = isBurst(lastHour, last30Days, factor, BURST_FLOOR);
  if (!verdict.burst) return null;
  return {
    rule: 'burst', dedupeKey: `burst:${orgCode}`,
    evidence: { orgCode, lastHour, last30Days, usualHourly: verdict.usualHourly, factor, floor: BURST_FLOOR, limit: verdict.limit, at: now.toISOString() },
  };
}
