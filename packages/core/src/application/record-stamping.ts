import { z } from 'zod';
import { record } from '../audit/record.js';
import { requirePermission, type Actor } from '../auth/actor.js';
import { AppError, notFound } from '../errors.js';
import { bestPageMatch, PAGE_MATCH_MAX_DISTANCE } from '../ledger/phash.js';
import { isWithin } from '../org/org-code.js';
import type { Deps } from '../ports.js';
import { isUsable } from '../seal/seal.js';
import { parseInput } from '../validate.js';
import { checkImpression } from './application.js';
import { loadApplication } from './decide-application.js';
import type { Application, Authorization, Stamping } from './records.js';

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`));

export const recordStampingInput = z.strictObject({
  impressions: z.number().int().min(1, 'at least one impression').max(1000),
  /** When the seal was pressed; now when not given. */
  stampedAt: z.iso.datetime({ offset: true }).optional(),
  note: z.string().trim().max(500).optional(),
});
export type RecordStampingInput = z.infer<typeof recordStampingInput>;

/** The stamped page as the edge took it in: stored photo, thumbnail and fingerprints. */
export const stampedPhotoInput = z.strictObject({ photoKey: hex(64), thumbKey: hex(64), sm3: hex(64), phash: hex(16) });
export type StampedPhoto = z.infer<typeof stampedPhotoInput>;

export interface RecordedStamping {
  stamping: Stamping;
  application: Application;
  authorization: Authorization;
}

/**
 * 保管人手工登记: where no device is bound to the seal yet, its keeper records each stamping
 * by hand, with the number of impressions and a photo of the stamped page, under the
 * authorization the approval created. The entry is marked keeper-recorded in the ledger.
 */
export async function recordManualStamping(
  deps: Deps,
  { actor, applicationId, input: raw, photo: rawPhoto }: { actor: Actor; applicationId: string; input: RecordStampingInput; photo: StampedPhoto },
): Promise<RecordedStamping> {
  const input = parseInput(recordStampingInput, raw);
  const photo = parseInput(stampedPhotoInput, rawPhoto);
  return deps.uow.write(async (tx) => {
    const app = await loadApplication(tx, actor, applicationId);
    requirePermission(actor, 'stamping.record', app.orgCode);
    const seal = await tx.seals.get(app.sealId);
    if (!seal) throw notFound('seal', app.sealId);
    const type = await tx.sealTypes.get(seal.typeCode);
    // A seal kept at the town's station (合同专用章) is pressed there, by its officers.
    const stationKeeps = type?.custody === 'station'
      && actor.grants.some((g) => g.role === 'station_officer' && isWithin(seal.custodyOrgCode, g.orgCode));
    if (seal.keeperUserId !== actor.userId && !stationKeeps) {
      throw new AppError('FORBIDDEN', 'only the keeper of the seal records its impressions by hand');
    }
    if (!isUsable(seal.status)) {
      throw new AppError('RULE_VIOLATION', `the seal is ${seal.status}: no impression may be made with a seal out of use`, { field: 'sealId' });
    }
    if (seal.deviceId) {
      throw new AppError('RULE_VIOLATION', `a device is bound to the seal (${seal.deviceId}): its impressions are recorded by the device`);
    }
    // A revoked one falls through to the authorization, which says when it was revoked.
    if (app.status !== 'approved' && app.status !== 'stamped' && app.status !== 'revoked') {
      throw new AppError('ILLEGAL_TRANSITION', `the application is ${app.status}: only an approved application can be stamped`, { field: 'status' });
    }
    const auth = await tx.applications.authorizationOf(app.id);
    if (!auth) throw new AppError('ILLEGAL_TRANSITION', 'the application has no authorization: it was not approved', { field: 'status' });

    const now = deps.clock.now();
    const at = input.stampedAt ? new Date(input.stampedAt) : now;
    if (at.getTime() > now.getTime()) throw new AppError('VALIDATION', 'stampedAt: an impression cannot be recorded before it is made (the time is in the future)', { field: 'stampedAt' });
    if (at < new Date(auth.validFrom)) {
      throw new AppError('VALIDATION', `stampedAt: ${at.toISOString()} is before the approval (${auth.validFrom})`, { field: 'stampedAt' });
    }
    // The keeper records while the authorization is still valid: a closed window cannot be
    // reopened by stating an earlier time.
    if (now >= new Date(auth.validUntil) && auth.status === 'active') {
      throw new AppError('RULE_VIOLATION', `the authorization expired at ${auth.validUntil}: no impression may be recorded under it any more`, { field: 'status' });
    }
    const terms = { impressionsAllowed: auth.impressionsAllowed, validFrom: auth.validFrom, validUntil: auth.validUntil, pages: auth.pages };
    for (let i = 0; i < input.impressions; i++) {
      const check = checkImpression(terms, auth.impressionsUsed + i, at, auth.status === 'revoked');
      if (check.ok) continue;
      switch (check.reason) {
        case 'revoked':
          throw new AppError('RULE_VIOLATION', `the authorization was revoked${auth.revokedAt ? ` at ${auth.revokedAt}` : ''}: no impression may be made under it`, { field: 'status' });
        case 'expired':
          throw new AppError('RULE_VIOLATION', `the authorization expired at ${auth.validUntil}: no impression may be made under it`, { field: 'stampedAt' });
        case 'not_yet_valid':
          throw new AppError('VALIDATION', `stampedAt: the authorization is valid from ${auth.validFrom}`, { field: 'stampedAt' });
        case 'over_count':
          throw new AppError(
            'RULE_VIOLATION',
            `${input.impressions} impression${input.impressions === 1 ? '' : 's'} would exceed the ${auth.impressionsAllowed} authorised (${auth.impressionsUsed} already made)`,
            { field: 'impressions', details: { allowed: auth.impressionsAllowed, used: auth.impressionsUsed, asked: input.impressions } },
          );
      }
    }
    if (auth.status !== 'active') throw new AppError('RULE_VIOLATION', `the authorization is ${auth.status}: no impression may be made under it`, { field: 'status' });

    const match = bestPageMatch(auth.pages, photo.phash);
    const used = auth.impressionsUsed + input.impressions;
    const authorization = await tx.applications.updateAuthorization(auth.id, auth.version, {
      impressionsUsed: used, ...(used >= auth.impressionsAllowed ? { status: 'used' as const } : {}),
    });
    const application = app.status === 'stamped' ? app : await tx.applications.update(app.id, app.version, { status: 'stamped', updatedAt: now.toISOString() });
    const stamping: Stamping = {
      id: deps.ids.next(), applicationId: app.id, authorizationId: auth.id, sealId: seal.id, orgCode: app.orgCode, source: 'keeper',
      impressions: input.impressions, stampedAt: at.toISOString(), operatorUserId: actor.userId, deviceId: null, latitude: null, longitude: null,
      photoKey: photo.photoKey, thumbKey: photo.thumbKey, sm3: photo.sm3, phash: photo.phash,
      matchedPageNo: match && match.distance <= PAGE_MATCH_MAX_DISTANCE ? match.pageNo : null, phashDistance: match?.distance ?? null, note: input.note || null, createdAt: now.toISOString(),
      deviceSeq: null, receivedAt: null, beforeKey: null, flags: match && match.distance <= PAGE_MATCH_MAX_DISTANCE ? [] : ['page_mismatch'],
    };
    await tx.stampings.insert(stamping);
    await record(tx, deps, actor, {
      action: 'STAMPING_RECORDED', targetType: 'application', targetId: app.id, orgCode: app.orgCode,
      before: { status: app.status, impressionsUsed: auth.impressionsUsed },
      after: {
        status: application.status, stamping: stamping.id, source: 'keeper', impressions: input.impressions, impressionsUsed: used,
        impressionsAllowed: auth.impressionsAllowed, authorizationStatus: authorization.status, stampedAt: stamping.stampedAt,
        matchedPageNo: stamping.matchedPageNo, phashDistance: stamping.phashDistance, pageMatches: stamping.matchedPageNo !== null, photoSm3: photo.sm3,
      },
    });
    return { stamping, application, authorization };
  });
}
