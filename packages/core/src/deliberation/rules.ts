import { AppError } from '../errors.js';

/**
 * 四议两公开 (domain W3): the six stages of a village's major matter and the rules that make each
 * stage count. Every threshold lives in one table, with the law or working rule it comes from;
 * a town may tighten a value (never loosen it below the law), and the checks below cite the
 * rule they apply in their messages.
 */
export const STAGES = ['proposal', 'joint_committee', 'party_assembly', 'resolution', 'resolution_published', 'result_published'] as const;
export type Stage = (typeof STAGES)[number];

/** 决议 by the villagers' meeting or by the villagers' representatives' meeting. */
export type ResolutionBody = 'villagers_meeting' | 'representatives_meeting';

/** A fraction a count is compared with: `strict` means more than (过半数), otherwise at least (三分之二以上). */
export interface Ratio { num: number; den: number; strict: boolean }

export interface RuleEntry<T> { value: T; source: string }

export interface DeliberationRules {
  /** 两委会商议: passes with more than half of the joint committee's members. */
  jointCommitteePass: RuleEntry<Ratio>;
  /** 党员大会: at least two thirds of the members due attend. */
  partyAssemblyAttendance: RuleEntry<Ratio>;
  /** 党员大会: passes with more than half of the members due (not of those present). */
  partyAssemblyPass: RuleEntry<Ratio>;
  /** 村民会议: villagers told at least this many days before. */
  villagersMeetingNoticeDays: RuleEntry<number>;
  /** 村民会议 quorum: more than half of the adult villagers … */
  villagersMeetingQuorumAdults: RuleEntry<Ratio>;
  /** … or representatives of at least two thirds of the households. */
  villagersMeetingQuorumHouseholds: RuleEntry<Ratio>;
  /** 村民会议: passes with more than half of those present. */
  villagersMeetingPass: RuleEntry<Ratio>;
  /** 村民代表会议: at least two thirds of the representatives attend. */
  representativesAttendance: RuleEntry<Ratio>;
  /** 村民代表会议: passes with more than half of those present. */
  representativesPass: RuleEntry<Ratio>;
  /** 决议公开: the resolution stays posted this many days before it is carried out. */
  resolutionPostingDays: RuleEntry<number>;
}

const ORGANIC_LAW = '《中华人民共和国村民委员会组织法》';
const WORKING_METHOD = '四议两公开工作法（《中国共产党农村基层组织工作条例》：村级重大事项决策实行“四议两公开”）';

export const DEFAULT_RULES: DeliberationRules = {
  jointCommitteePass: { value: { num: 1, den: 2, strict: true }, source: `${WORKING_METHOD}：两委会商议，过半数同意` },
  partyAssemblyAttendance: { value: { num: 2, den: 3, strict: false }, source: `${WORKING_METHOD}：党员大会应到党员三分之二以上到会` },
  partyAssemblyPass: { value: { num: 1, den: 2, strict: true }, source: `${WORKING_METHOD}：经应到党员半数以上同意` },
  villagersMeetingNoticeDays: { value: 10, source: `${ORGANIC_LAW}第二十一条：召集村民会议，应当提前十天通知村民` },
  villagersMeetingQuorumAdults: { value: { num: 1, den: 2, strict: true }, source: `${ORGANIC_LAW}第二十二条：本村十八周岁以上村民的过半数参加` },
  villagersMeetingQuorumHouseholds: { value: { num: 2, den: 3, strict: false }, source: `${ORGANIC_LAW}第二十二条：或者本村三分之二以上的户的代表参加` },
  villagersMeetingPass: { value: { num: 1, den: 2, strict: true }, source: `${ORGANIC_LAW}第二十二条：所作决定应当经到会人员的过半数通过` },
  representativesAttendance: { value: { num: 2, den: 3, strict: false }, source: `${ORGANIC_LAW}第二十六条：有三分之二以上的组成人员参加方可召开` },
  representativesPass: { value: { num: 1, den: 2, strict: true }, source: `${ORGANIC_LAW}第二十六条：所作决定应当经到会人员的过半数同意` },
  resolutionPostingDays: { value: 7, source: '决议公开期（本镇规定，默认七日）：公示期满方可实施' },
};

/** Does `count` out of `of` satisfy the ratio? Integers only: count·den against num·of. */
export function meets(count: number, of: number, r: Ratio): boolean {
  return r.strict ? count * r.den > r.num * of : count * r.den >= r.num * of;
}

const ratioText = (r: Ratio): string => `${r.strict ? 'more than' : 'at least'} ${r.num}/${r.den}`;

/** A town's table: its own values where they are at least as strict as the defaults. */
export function townRules(overrides: Partial<Record<keyof DeliberationRules, number | Ratio>> = {}): DeliberationRules {
  const rules: DeliberationRules = structuredClone(DEFAULT_RULES);
  for (const [key, value] of Object.entries(overrides) as [keyof DeliberationRules, number | Ratio][]) {
    const base = DEFAULT_RULES[key];
    if (typeof base.value === 'number') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < base.value) {
        throw new AppError('VALIDATION', `${key} must be a whole number of days, at least ${base.value} (${base.source})`, { field: key });
      }
      (rules[key] as RuleEntry<number>) = { value, source: `${base.source}；本镇定为${value}日` };
    } else {
      const b = base.value;
      if (typeof value !== 'object' || !(value.den > 0) || value.num * b.den < b.num * value.den) {
        throw new AppError('VALIDATION', `${key} may not be lower than ${ratioText(b)} (${base.source})`, { field: key });
      }
      (rules[key] as RuleEntry<Ratio>) = { value, source: `${base.source}；本镇定为${value.num}/${value.den}` };
    }
  }
  return rules;
}

/** The counts a meeting stage records. */
export interface Votes {
  /** Members due (应到), or for a villagers' meeting the adult villagers. */
  due: number;
  present: number;
  for: number;
  against: number;
  abstain: number;
  /** Villagers' meeting: households in the village and households represented. */
  households?: number;
  householdsPresent?: number;
}

const violation = (field: string, message: string, source: string): AppError =>
  new AppError('RULE_VIOLATION', `${message}（依据：${source}）`, { field });

/** Counts that cannot be: more present than due, more votes than present, negative numbers. */
export function checkCounts(v: Votes): void {
  for (const [k, n] of Object.entries(v)) {
    if (n !== undefined && (!Number.isInteger(n) || n < 0)) throw new AppError('VALIDATION', `${k} must be a whole number, 0 or more`, { field: k });
  }
  if (v.due === 0) throw new AppError('VALIDATION', 'members due must be at least 1', { field: 'due' });
  if (v.present > v.due) throw new AppError('VALIDATION', `${v.present} present is more than the ${v.due} due`, { field: 'present' });
  const cast = v.for + v.against + v.abstain;
  if (cast > v.present) throw new AppError('VALIDATION', `${cast} votes (for ${v.for}, against ${v.against}, abstaining ${v.abstain}) is more than the ${v.present} present`, { field: 'for' });
  if (v.households !== undefined || v.householdsPresent !== undefined) {
    if (v.households === undefined || v.householdsPresent === undefined || v.households === 0) throw new AppError('VALIDATION', 'households and households present go together, households at least 1', { field: 'households' });
    if (v.householdsPresent > v.households) throw new AppError('VALIDATION', `${v.householdsPresent} households present is more than the ${v.households} households`, { field: 'householdsPresent' });
  }
}

/**
 * Does a meeting stage stand? Throws RULE_VIOLATION naming the rule it fails; returns nothing
 * when the stage counts. `heldOn`/`noticeOn` are calendar dates (YYYY-MM-DD).
 */
export function checkMeeting(rules: DeliberationRules, stage: Stage, v: Votes, opts: { body?: ResolutionBody; heldOn?: string; noticeOn?: string } = {}): void {
  checkCounts(v);
  const need = (ok: boolean, field: string, what: string, rule: RuleEntry<Ratio>) => {
    if (!ok) throw violation(field, what, rule.source);
  };
  if (stage === 'joint_committee') {
    const r = rules.jointCommitteePass;
    need(meets(v.for, v.due, r.value), 'for', `两委会商议 not passed: ${v.for} for of ${v.due} members; needs ${ratioText(r.value)} of the members`, r);
  } else if (stage === 'party_assembly') {
    const a = rules.partyAssemblyAttendance;
    need(meets(v.present, v.due, a.value), 'present', `党员大会 not quorate: ${v.present} of ${v.due} members due attended; needs ${ratioText(a.value)}`, a);
    const p = rules.partyAssemblyPass;
    need(meets(v.for, v.due, p.value), 'for', `党员大会 not passed: ${v.for} for of ${v.due} members due; needs ${ratioText(p.value)} of the members due`, p);
  } else if (stage === 'resolution') {
    if (opts.body === 'villagers_meeting') {
      const n = rules.villagersMeetingNoticeDays;
      if (!opts.heldOn || !opts.noticeOn) throw new AppError('VALIDATION', '村民会议 needs the date of the meeting and of its notice', { field: 'noticeOn' });
      const days = Math.round((Date.parse(`${opts.heldOn}T00:00:00Z`) - Date.parse(`${opts.noticeOn}T00:00:00Z`)) / 86_400_000);
      if (days < n.value) throw violation('noticeOn', `村民会议 notified ${days} days before (${opts.noticeOn} → ${opts.heldOn}); needs at least ${n.value}`, n.source);
      const qa = rules.villagersMeetingQuorumAdults;
      const qh = rules.villagersMeetingQuorumHouseholds;
      const byAdults = meets(v.present, v.due, qa.value);
      const byHouseholds = v.households !== undefined && meets(v.householdsPresent!, v.households, qh.value);
      if (!byAdults && !byHouseholds) {
        throw violation('present', `村民会议 not quorate: ${v.present} of ${v.due} adult villagers${v.households !== undefined ? `, ${v.householdsPresent} of ${v.households} households` : ''}; needs ${ratioText(qa.value)} of the adults or ${ratioText(qh.value)} of the households`, `${qa.source}；${qh.source}`);
      }
      const p = rules.villagersMeetingPass;
      need(meets(v.for, v.present, p.value), 'for', `村民会议 not passed: ${v.for} for of ${v.present} present; needs ${ratioText(p.value)} of those present`, p);
    } else if (opts.body === 'representatives_meeting') {
      const a = rules.representativesAttendance;
      need(meets(v.present, v.due, a.value), 'present', `村民代表会议 not quorate: ${v.present} of ${v.due} representatives attended; needs ${ratioText(a.value)}`, a);
      const p = rules.representativesPass;
      need(meets(v.for, v.present, p.value), 'for', `村民代表会议 not passed: ${v.for} for of ${v.present} present; needs ${ratioText(p.value)} of those present`, p);
    } else {
      throw new AppError('VALIDATION', 'a resolution is made by the villagers\' meeting or the villagers\' representatives\' meeting', { field: 'body' });
    }
  } else {
    throw new AppError('VALIDATION', `stage ${stage} is not a meeting with votes`, { field: 'stage' });
  }
}

/**
 * The next stage may be recorded only after the one before it, and stages 1 and 2 may be one
 * meeting only when the party secretary is also the committee director (一肩挑).
 */
export function checkStageOrder(recorded: readonly Stage[], next: Stage, opts: { merged?: boolean; secretaryIsDirector?: boolean } = {}): void {
  const want = STAGES[recorded.length];
  if (recorded.some((s, i) => s !== STAGES[i])) throw new AppError('VALIDATION', `the stages recorded are out of order: ${recorded.join(' → ')}`, { field: 'stage' });
  if (opts.merged) {
    if (next !== 'joint_committee' || recorded.length !== 0) throw new AppError('VALIDATION', 'only the proposal and the joint committee\'s deliberation can be merged, as the first record', { field: 'stage' });
    if (!opts.secretaryIsDirector) throw violation('stage', '党支部提议 and 两委会商议 merged, but the party secretary is not also the committee director', `${WORKING_METHOD}：书记、主任“一肩挑”的村，提议与商议可合并进行`);
    return;
  }
  if (want === undefined) throw new AppError('ILLEGAL_TRANSITION', 'all six stages are recorded', { field: 'stage' });
  if (next !== want) throw violation('stage', `${next} cannot be recorded before ${want}`, `${WORKING_METHOD}：提议、商议、审议、决议、决议公开、实施结果公开，依次进行`);
}

/** The day the resolution may be carried out: posted `resolutionPostingDays` full days. */
export function implementableFrom(rules: DeliberationRules, postedOn: string): string {
  const d = new Date(`${postedOn}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + rules.resolutionPostingDays.value);
  return d.toISOString().slice(0, 10);
}
