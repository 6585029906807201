import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { allowedActions, BUILTIN_SEAL_TYPES, isUsable, nextStatus, SEAL_ACTIONS, SEAL_STATUSES, type SealAction, type SealStatus } from './seal.js';

/**
 * The lifecycle as documented (domain §3, W6): 制发 issued → 备案 filed → active → 移交
 * handed_over → suspended / 遗失作废 void → retired. Written out here independently of the
 * implementation's table so that a change to either shows up.
 */
const DOCUMENTED: Record<SealStatus, Partial<Record<SealAction, SealStatus>>> = {
  issued: { file: 'filed', declare_lost: 'void' },
  filed: { activate: 'active', declare_lost: 'void', retire: 'retired' },
  active: { hand_over: 'handed_over', suspend: 'suspended', declare_lost: 'void', retire: 'retired' },
  handed_over: { hand_over: 'handed_over', suspend: 'suspended', declare_lost: 'void', retire: 'retired' },
  suspended: { activate: 'active', declare_lost: 'void', retire: 'retired' },
  void: { retire: 'retired' },
  retired: {},
};

function illegal(from: SealStatus, action: SealAction): AppError {
  try {
    nextStatus(from, action);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error(`${action} from ${from} was allowed`);
}

describe('seal lifecycle table', () => {
  const pairs = SEAL_STATUSES.flatMap((s) => SEAL_ACTIONS.map((a) => [s, a] as const));

  it('covers every status and action', () => {
    expect([...SEAL_STATUSES].sort()).toEqual(Object.keys(DOCUMENTED).sort());
    expect(pairs).toHaveLength(7 * 6);
  });

  it.each(pairs.filter(([s, a]) => DOCUMENTED[s][a]))('%s --%s--> the documented next state', (from, action) => {
    expect(nextStatus(from, action)).toBe(DOCUMENTED[from][action]);
  });

  it.each(pairs.filter(([s, a]) => !DOCUMENTED[s][a]))('%s --%s--> ILLEGAL_TRANSITION naming the reason', (from, action) => {
    const e = illegal(from, action);
    expect(e.code).toBe('ILLEGAL_TRANSITION');
    expect(e.field).toBe('status');
    expect(e.message).toContain(`cannot ${action.replace('_', ' ')} a seal that is ${from}`);
    // The reason follows the colon: a sentence, not just the codes.
    const reason = e.message.split(': ')[1] ?? '';
    expect(reason.length).toBeGreaterThan(15);
    expect(e.details).toMatchObject({ from, action });
    expect((e.details?.allowedFrom as string[]).includes(from)).toBe(false);
  });

  it.each(SEAL_STATUSES)('allowedActions(%s) offers exactly the legal steps', (status) => {
    expect(allowedActions(status).sort()).toEqual(Object.keys(DOCUMENTED[status]).sort());
  });

  it('only a seal in use (active or handed over) may stamp', () => {
    expect(SEAL_STATUSES.filter(isUsable).sort()).toEqual(['active', 'handed_over']);
  });

  it('keeps the contract seal at the station and the village committee seal in the village (二章分立)', () => {
    const custody = Object.fromEntries(BUILTIN_SEAL_TYPES.map((t) => [t.code, t.custody]));
    expect(custody.village_committee).toBe('village');
    expect(custody.contract).toBe('station');
    expect(BUILTIN_SEAL_TYPES.every((t) => t.builtin)).toBe(true);
  });
});

describe('seal lifecycle properties', () => {
  const action = fc.constantFrom(...SEAL_ACTIONS);

  it('random action sequences from issuance follow the documented table and never leave it', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 40 }), (actions) => {
        let status: SealStatus = 'issued';
        for (const a of actions) {
          const expected = DOCUMENTED[status][a];
          if (expected) {
            status = nextStatus(status, a);
            expect(status).toBe(expected);
          } else {
            expect(() => nextStatus(status, a)).toThrow(AppError);
          }
          expect(SEAL_STATUSES).toContain(status);
          expect(allowedActions(status).sort()).toEqual(Object.keys(DOCUMENTED[status]).sort());
        }
      }),
      { numRuns: 200 },
    );
  });

  it('retired is terminal: no sequence of actions leaves it', () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 20 }), (actions) => {
        for (const a of actions) expect(illegal('retired', a).code).toBe('ILLEGAL_TRANSITION');
        expect(allowedActions('retired')).toEqual([]);
      }),
    );
  });

  it('a void seal can only be retired, and nothing brings a lost seal back into use', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 30 }), (actions) => {
        let status: SealStatus = 'void';
        for (const a of actions) {
          try {
            status = nextStatus(status, a);
          } catch {
            // refused steps leave the status as it was
          }
          expect(isUsable(status)).toBe(false);
        }
        expect(['void', 'retired']).toContain(status);
      }),
    );
  });

  it('every status is reachable from issuance', () => {
    const seen = new Set<SealStatus>(['issued']);
    let frontier: SealStatus[] = ['issued'];
    while (frontier.length) {
      frontier = frontier.flatMap((s) => allowedActions(s).map((a) => nextStatus(s, a))).filter((s) => !seen.has(s));
      for (const s of frontier) seen.add(s);
    }
    expect([...seen].sort()).toEqual([...SEAL_STATUSES].sort());
  });
});
