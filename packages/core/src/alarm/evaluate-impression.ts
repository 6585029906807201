import type { DeviceEventOf } from '@cunzhang/protocol';
import { checkImpression, type ImpressionCheck } from '../application/application.js';
import type { Authorization } from '../application/records.js';
import type { AllowedHours, Geofence } from '../device/records.js';
import { bestPageMatch } from '../ledger/phash.js';
import { beyondFence } from './geo.js';
import { formatMinutes, localMinutesOf, outsideHours } from './hours.js';
import { DEFAULT_HOURS, LATE_AFTER_MS, thresholdOf, type EffectiveRules, type Finding } from './rules.js';

export type ImpressionBody = DeviceEventOf<'impression'>['body'];

/** Why an impression has no authorization to hang off: no stamping row is made for it. */
export type MissingAuthorization = 'no_authorization' | 'unknown_authorization' | 'foreign_authorization';

export interface ImpressionFacts {
  deviceId: string;
  seq: number;
  /** Device clock (when the seal was pressed) and platform clock (when the event arrived). */
  deviceTime: string;
  receivedAt: string;
  body: ImpressionBody;
  fence: Geofence | null;
  hours: AllowedHours | null;
  /** The authorization named by the event, when it exists and belongs to the device's seal. */
  authorization: Authorization | null;
  missing: MissingAuthorization | null;
}

export interface ImpressionVerdict {
  /** The authorization test at the device time; null when there is no authorization. */
  check: ImpressionCheck | null;
  /** For the stamping row: over_count, outside_window, revoked, page_mismatch, off_hours, outside_fence, late. */
  flags: string[];
  match: { pageNo: number; distance: number } | null;
  /** The matched approved page, or null when none is within the threshold. */
  matchedPageNo: number | null;
  findings: Finding[];
}

const FLAG_OF: Record<Exclude<ImpressionCheck, { ok: true }>['reason'], string> = {
  over_count: 'over_count', not_yet_valid: 'outside_window', expired: 'outside_window', revoked: 'revoked',
};

/**
 * The anomaly rules of one impression (domain §6), pure: authorization (none, unknown, over its
 * count, outside its window, revoked), geofence, allowed hours, page match, lateness. The burst
 * rule needs the village's history and is applied by the caller.
 */
export function evaluateImpression(f: ImpressionFacts, rules: EffectiveRules, timeZone: string): ImpressionVerdict {
  const { body, deviceId, seq } = f;
  const at = new Date(f.deviceTime);
  const position = { latE6: body.lat_e6, lngE6: body.lng_e6, accM: body.acc_m };
  const photos = { before: body.before.sm3, after: body.after.sm3 };
  const common = { auth: body.auth, n: body.n, deviceTime: f.deviceTime, receivedAt: f.receivedAt, position, photos, offline: body.offline };
  const key = (rule: string) => `${rule}:${deviceId}:${seq}`;
  const flags: string[] = [];
  const findings: Finding[] = [];

  const auth = f.authorization;
  let check: ImpressionCheck | null = null;
  if (!auth) {
    findings.push({ rule: 'unauthorized_impression', dedupeKey: key('unauthorized_impression'), evidence: { ...common, reason: f.missing ?? 'no_authorization' } });
  } else {
    const terms = { impressionsAllowed: auth.impressionsAllowed, validFrom: auth.validFrom, validUntil: auth.validUntil, pages: auth.pages };
    check = checkImpression(terms, auth.impressionsUsed, at, auth.status === 'revoked');
    if (!check.ok) {
      flags.push(FLAG_OF[check.reason]);
      findings.push({
        rule: 'unauthorized_impression', dedupeKey: key('unauthorized_impression'),
        evidence: {
          ...common, reason: check.reason, authorizationId: auth.id, applicationId: auth.applicationId, impressionsAllowed: auth.impressionsAllowed,
          impressionsUsedBefore: auth.impressionsUsed, validFrom: auth.validFrom, validUntil: auth.validUntil, revokedAt: auth.revokedAt,
        },
      });
    }
  }

  const fence = beyondFence(f.fence, position, thresholdOf(rules, 'geofence'));
  if (fence && f.fence) {
    flags.push('outside_fence');
    findings.push({
      rule: 'geofence', dedupeKey: key('geofence'),
      evidence: { ...common, source: 'impression', fence: f.fence, distanceM: fence.distanceM, beyondM: fence.beyondM, toleranceM: thresholdOf(rules, 'geofence') },
    });
  }

  const hours = f.hours ?? DEFAULT_HOURS;
  const local = localMinutesOf(at, timeZone);
  const grace = thresholdOf(rules, 'off_hours');
  if (outsideHours(local, hours, grace)) {
    flags.push('off_hours');
    findings.push({
      rule: 'off_hours', dedupeKey: key('off_hours'),
      evidence: { ...common, localTime: formatMinutes(local), timeZone, hours, hoursOf: f.hours ? 'device' : 'default', graceMinutes: grace },
    });
  }

  const match = auth && auth.pages.length ? bestPageMatch(auth.pages, body.after.phash) : null;
  const maxDistance = thresholdOf(rules, 'page_mismatch');
  const matchedPageNo = match && match.distance <= maxDistance ? match.pageNo : null;
  if (auth && matchedPageNo === null) {
    flags.push('page_mismatch');
    findings.push({
      rule: 'page_mismatch', dedupeKey: key('page_mismatch'),
      evidence: {
        ...common, authorizationId: auth.id, applicationId: auth.applicationId, phash: body.after.phash, nearestPageNo: match?.pageNo ?? null,
        distance: match?.distance ?? null, threshold: maxDistance,
      },
    });
  }

  if (Date.parse(f.receivedAt) - at.getTime() > LATE_AFTER_MS) flags.push('late');
  return { check, flags, match, matchedPageNo, findings };
}

/**
 * The burst rule (pure): impressions of a village in the last hour against threshold × its
 * usual hourly rate over the last 30 days, never below the floor, so a quiet village's first
 * uses of the day do not alarm.
 */
export function isBurst(lastHour: number, last30Days: number, factor: number, floor: number): { burst: boolean; usualHourly: number; limit: number } {
  const usualHourly = last30Days / (30 * 24);
  const limit = Math.max(floor, factor * usualHourly);
  return { burst: lastHour > limit, usualHourly: Math.round(usualHourly * 1000) / 1000, limit: Math.round(limit * 100) / 100 };
}
