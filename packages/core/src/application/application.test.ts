import { describe, expect, it } from 'vitest';
import { assertMayDecide, checkImpression, type ApplicationFacts, type Decider, type SealFacts } from './application.js';
import { refusal } from '../test-support.js';

const app = (p: Partial<ApplicationFacts> = {}): ApplicationFacts => ({
  status: 'pending', route: 'approver', applicantUserId: 'villager', clerkUserId: 'clerk', impressions: 2, pages: 1, resolutionAttached: false, expiresAt: '2099-01-01T00:00:00.000Z', ...p,
});
const seal: SealFacts = { keeperUserId: 'keeper', approverUserIds: ['secretary'], usable: true };
const who = (userId: string, p: Partial<Decider> = {}): Decider => ({ userId, deputyFor: [], isTownLeader: false, ...p });
const policy = { separateApprovalAndCustody: true, maxImpressions: 20 };


describe('who may decide a seal-use application', () => {
  it('lets the seal\'s approver approve an approver matter', () => {
    expect(() => assertMayDecide(app(), seal, who('secretary'), policy)).not.toThrow();
  });

  it('never lets a deputy decide in the name of the approver who applied', () => {
    const byApprover = app({ applicantUserId: 'secretary', clerkUserId: null });
    const e = refusal(() => assertMayDecide(byApprover, seal, who('leader', { deputyFor: ['secretary'] }), policy));
    expect(e.message).toMatch(/not through a deputy/);
    // With a second approver, the deputy of the applicant is no approver at all; the other one is.
    const two = { ...seal, approverUserIds: ['secretary', 'director'] };
    expect(refusal(() => assertMayDecide(byApprover, two, who('leader', { deputyFor: ['secretary'] }), policy)).code).toBe('RULE_VIOLATION');
    expect(() => assertMayDecide(byApprover, two, who('leader', { deputyFor: ['director'] }), policy)).not.toThrow();
    expect(() => assertMayDecide(byApprover, two, who('director'), policy)).not.toThrow();
  });

  it('refuses to decide an application that lapsed, either way', () => {
    const lapsed = app({ expiresAt: '2026-11-20T00:00:00.000Z' });
    for (const d of ['approve', 'reject'] as const) {
      const e = refusal(() => assertMayDecide(lapsed, seal, who('secretary'), policy, d, new Date('2026-11-20T00:00:00.000Z')));
      expect(e.code).toBe('ILLEGAL_TRANSITION');
      expect(e.message).toMatch(/expired at 2026-11-20T00:00:00.000Z/);
    }
    expect(() => assertMayDecide(lapsed, seal, who('secretary'), policy, 'approve', new Date('2026-11-19T23:59:59.000Z'))).not.toThrow();
  });

  it('never lets applicants or the clerk who filed it decide their own', () => {
    for (const id of ['villager', 'clerk']) {
      expect(refusal(() => assertMayDecide(app(), { ...seal, approverUserIds: [id] }, who(id), policy)).message).toMatch(/own application/);
    }
  });

  it('keeps approval and custody apart unless the town turns the rule off', () => {
    const both = { ...seal, approverUserIds: ['keeper'] };
    expect(refusal(() => assertMayDecide(app(), both, who('keeper'), policy)).message).toMatch(/审批与保管分开/);
    expect(() => assertMayDecide(app(), both, who('keeper'), { ...policy, separateApprovalAndCustody: false })).not.toThrow();
  });

  it('lets the keeper stamp the direct list on review, and a named deputy stand in for the approver', () => {
    expect(() => assertMayDecide(app({ route: 'keeper' }), seal, who('keeper'), policy)).not.toThrow();
    expect(refusal(() => assertMayDecide(app(), seal, who('deputy'), policy)).code).toBe('FORBIDDEN');
    expect(() => assertMayDecide(app(), seal, who('deputy', { deputyFor: ['secretary'] }), policy)).not.toThrow();
  });

  it('sends major matters to the town leader and needs a resolution where the route says so', () => {
    expect(refusal(() => assertMayDecide(app({ route: 'leader' }), seal, who('secretary'), policy)).message).toMatch(/town leader/);
    expect(() => assertMayDecide(app({ route: 'leader' }), seal, who('leader', { isTownLeader: true }), policy)).not.toThrow();
    expect(refusal(() => assertMayDecide(app({ route: 'resolution' }), seal, who('secretary'), policy)).message).toMatch(/resolution/);
    expect(() => assertMayDecide(app({ route: 'resolution', resolutionAttached: true }), seal, who('secretary'), policy)).not.toThrow();
  });

  it('refuses deciding twice, a seal out of use, zero pages and impressions out of bounds', () => {
    expect(refusal(() => assertMayDecide(app({ status: 'approved' }), seal, who('secretary'), policy)).code).toBe('ILLEGAL_TRANSITION');
    expect(refusal(() => assertMayDecide(app(), { ...seal, usable: false }, who('secretary'), policy)).message).toMatch(/not in use/);
    expect(refusal(() => assertMayDecide(app({ pages: 0 }), seal, who('secretary'), policy)).message).toMatch(/严禁空白盖章/);
    for (const impressions of [0, -1, 21]) {
      expect(refusal(() => assertMayDecide(app({ impressions }), seal, who('secretary'), policy)).message).toMatch(/between 1 and 20/);
    }
  });
});

describe('a rejection', () => {
  it('needs only the right person, not the resolution, pages or a usable seal', () => {
    const bare = app({ route: 'resolution', pages: 0, impressions: 0 });
    expect(() => assertMayDecide(bare, { ...seal, usable: false }, who('secretary'), policy, 'reject')).not.toThrow();
    expect(refusal(() => assertMayDecide(bare, seal, who('villager'), policy, 'reject')).message).toMatch(/own application/);
    expect(refusal(() => assertMayDecide(app({ status: 'rejected' }), seal, who('secretary'), policy, 'reject')).code).toBe('ILLEGAL_TRANSITION');
  });
});

describe('an impression under an authorization', () => {
  const terms = { impressionsAllowed: 2, validFrom: '2026-11-27T01:00:00.000Z', validUntil: '2026-11-27T16:00:00.000Z', pages: [] };
  const at = new Date('2026-11-27T05:00:00Z');
  it('is allowed inside the window and the count', () => {
    expect(checkImpression(terms, 0, at, false)).toEqual({ ok: true });
    expect(checkImpression(terms, 1, at, false)).toEqual({ ok: true });
  });
  it('names why it is not', () => {
    expect(checkImpression(terms, 2, at, false)).toEqual({ ok: false, reason: 'over_count' });
    expect(checkImpression(terms, 0, new Date('2026-11-27T16:00:00Z'), false)).toEqual({ ok: false, reason: 'expired' });
    expect(checkImpression(terms, 0, new Date('2026-11-27T00:59:59Z'), false)).toEqual({ ok: false, reason: 'not_yet_valid' });
    expect(checkImpression(terms, 0, at, true)).toEqual({ ok: false, reason: 'revoked' });
  });
});
