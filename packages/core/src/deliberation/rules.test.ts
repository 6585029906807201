import { describe, expect, it } from 'vitest';
import { checkCounts, checkMeeting, checkStageOrder, DEFAULT_RULES, implementableFrom, meets, STAGES, townRules, type Votes } from './rules.js';
import { refusal } from '../test-support.js';

const votes = (v: Partial<Votes>): Votes => ({ due: 30, present: 30, for: 20, against: 5, abstain: 5, ...v });

describe('四议两公开 rules', () => {
  it('compares with whole numbers at the edges: more than half, at least two thirds', () => {
    const half = { num: 1, den: 2, strict: true };
    const twoThirds = { num: 2, den: 3, strict: false };
    expect([meets(15, 30, half), meets(16, 30, half), meets(19, 30, twoThirds), meets(20, 30, twoThirds), meets(1, 1, half)]).toEqual([false, true, false, true, true]);
  });

  it('every threshold names its source, and the law\'s are cited by article', () => {
    for (const entry of Object.values(DEFAULT_RULES)) expect(entry.source.length).toBeGreaterThan(10);
    expect(DEFAULT_RULES.villagersMeetingNoticeDays.source).toContain('第二十一条');
    expect(DEFAULT_RULES.villagersMeetingPass.source).toContain('第二十二条');
    expect(DEFAULT_RULES.representativesAttendance.source).toContain('第二十六条');
  });

  it('party members\' assembly: two thirds attend, and more than half of the members due (not of those present) vote for', () => {
    expect(() => checkMeeting(DEFAULT_RULES, 'party_assembly', votes({ due: 30, present: 20, for: 16, against: 2, abstain: 2 }))).not.toThrow();
    const few = refusal(() => checkMeeting(DEFAULT_RULES, 'party_assembly', votes({ due: 30, present: 19, for: 19, against: 0, abstain: 0 })));
    expect(few.code).toBe('RULE_VIOLATION');
    expect(few.message).toMatch(/19 of 30 .*at least 2\/3/);
    // 15 of 20 present is a majority of those present, but not more than half of the 30 due.
    const half = refusal(() => checkMeeting(DEFAULT_RULES, 'party_assembly', votes({ due: 30, present: 20, for: 15, against: 5, abstain: 0 })));
    expect(half.message).toMatch(/15 for of 30 members due/);
    expect(half.message).toContain('依据');
  });

  it('villagers\' meeting: ten days\' notice; quorum by adults or by households; more than half of those present', () => {
    const at = { body: 'villagers_meeting' as const, heldOn: '2026-11-20', noticeOn: '2026-11-10' };
    expect(() => checkMeeting(DEFAULT_RULES, 'resolution', votes({ due: 800, present: 401, for: 201, against: 100, abstain: 50 }), at)).not.toThrow();
    const late = refusal(() => checkMeeting(DEFAULT_RULES, 'resolution', votes({ due: 800, present: 401, for: 300 }), { ...at, noticeOn: '2026-11-11' }));
    expect(late.message).toMatch(/notified 9 days before.*at least 10/);
    expect(late.message).toContain('第二十一条');
    // Too few adults, but two thirds of the households were represented: quorate.
    expect(() => checkMeeting(DEFAULT_RULES, 'resolution', votes({ due: 800, present: 300, for: 200, households: 300, householdsPresent: 200 }), at)).not.toThrow();
    const thin = refusal(() => checkMeeting(DEFAULT_RULES, 'resolution', votes({ due: 800, present: 300, for: 200, households: 300, householdsPresent: 199 }), at));
    expect(thin.message).toMatch(/not quorate: 300 of 800 adult villagers, 199 of 300 households/);
    const split = refusal(() => checkMeeting(DEFAULT_RULES, 'resolution', votes({ due: 800, present: 402, for: 201, against: 201, abstain: 0 }), at));
    expect(split.message).toMatch(/201 for of 402 present/);
  });

  it('representatives\' meeting: two thirds attend, more than half of those present', () => {
    const body = { body: 'representatives_meeting' as const };
    expect(() => checkMeeting(DEFAULT_RULES, 'resolution', votes({ due: 45, present: 30, for: 16, against: 14, abstain: 0 }), body)).not.toThrow();
    expect(refusal(() => checkMeeting(DEFAULT_RULES, 'resolution', votes({ due: 45, present: 29, for: 29, against: 0, abstain: 0 }), body)).message).toContain('第二十六条');
    expect(refusal(() => checkMeeting(DEFAULT_RULES, 'resolution', votes({ due: 45, present: 30, for: 15, against: 15, abstain: 0 }), body)).field).toBe('for');
    expect(refusal(() => checkMeeting(DEFAULT_RULES, 'resolution', votes({}))).code).toBe('VALIDATION');
  });

  it('refuses counts that cannot be: votes above those present, present above those due, negatives, households without their total', () => {
    expect(refusal(() => checkCounts(votes({ present: 10, for: 8, against: 2, abstain: 1 }))).message).toMatch(/11 votes .* more than the 10 present/);
    expect(refusal(() => checkCounts(votes({ due: 9, present: 10 }))).field).toBe('present');
    expect(refusal(() => checkCounts(votes({ against: -1 }))).field).toBe('against');
    expect(refusal(() => checkCounts(votes({ for: 2.5 }))).code).toBe('VALIDATION');
    expect(refusal(() => checkCounts(votes({ householdsPresent: 3 }))).field).toBe('households');
    expect(refusal(() => checkCounts(votes({ households: 10, householdsPresent: 11 }))).field).toBe('householdsPresent');
  });

  it('stages in order; the first two merged only where the secretary is also the director (一肩挑)', () => {
    expect(() => checkStageOrder([], 'proposal')).not.toThrow();
    expect(() => checkStageOrder(['proposal', 'joint_committee'], 'party_assembly')).not.toThrow();
    const skip = refusal(() => checkStageOrder(['proposal', 'joint_committee'], 'resolution'));
    expect(skip.message).toMatch(/resolution cannot be recorded before party_assembly/);
    expect(() => checkStageOrder([], 'joint_committee', { merged: true, secretaryIsDirector: true })).not.toThrow();
    expect(refusal(() => checkStageOrder([], 'joint_committee', { merged: true, secretaryIsDirector: false })).message).toContain('一肩挑');
    expect(refusal(() => checkStageOrder([...STAGES], 'result_published')).code).toBe('ILLEGAL_TRANSITION');
    expect(refusal(() => checkStageOrder(['joint_committee'], 'party_assembly')).message).toMatch(/out of order/);
  });

  it('a town may make a rule stricter, never looser; the resolution is carried out after its posting period', () => {
    const strict = townRules({ resolutionPostingDays: 10, representativesAttendance: { num: 3, den: 4, strict: false } });
    expect(strict.resolutionPostingDays.value).toBe(10);
    expect(strict.representativesAttendance.source).toContain('本镇定为3/4');
    expect(refusal(() => townRules({ villagersMeetingNoticeDays: 7 })).message).toMatch(/at least 10/);
    expect(refusal(() => townRules({ villagersMeetingPass: { num: 1, den: 3, strict: true } })).field).toBe('villagersMeetingPass');
    expect(implementableFrom(DEFAULT_RULES, '2026-11-27')).toBe('2026-12-04');
    expect(implementableFrom(strict, '2026-12-28')).toBe('2027-01-07');
  });
});
