import { z } from 'zod';
import { record } from '../audit/record.js';
import { requirePermission, scopesFor, type Actor } from '../auth/actor.js';
import { AppError } from '../errors.js';
import { isWithin } from '../org/org-code.js';
import type { Deps } from '../ports.js';
import { parseInput } from '../validate.js';
import { ALARM_RULES, SEVERITIES, type AlarmRule, type AlarmRuleSetting } from './records.js';
import { effectiveRules, RULE_DEFAULTS, type RuleDefault } from './rules.js';

const townCode = z.string().regex(/^\d{9}$/, 'a town is a 9-digit division code');

/** A rule as the settings screen shows it: the town's setting beside the default and what the number means. */
export interface AlarmRuleView extends AlarmRuleSetting {
  nameZh: string;
  nameEn: string;
  unit: RuleDefault['unit'];
  min: number | null;
  max: number | null;
  thresholdHelp: string | null;
  /** True when the town kept the default. */
  isDefault: boolean;
  defaults: Pick<AlarmRuleSetting, 'enabled' | 'severity' | 'autoLock' | 'threshold'>;
}

export const alarmRulesQuery = z.strictObject({ townCode });

function views(rules: Record<AlarmRule, AlarmRuleSetting>): AlarmRuleView[] {
  return ALARM_RULES.map((rule) => {
    const d = RULE_DEFAULTS[rule];
    const s = rules[rule];
    const defaults = { enabled: true, severity: d.severity, autoLock: d.autoLock, threshold: d.threshold };
    const isDefault = s.enabled && s.severity === d.severity && s.autoLock === d.autoLock && s.threshold === d.threshold;
    return { ...s, nameZh: d.nameZh, nameEn: d.nameEn, unit: d.unit, min: d.min, max: d.max, thresholdHelp: d.thresholdHelp, isDefault, defaults };
  });
}

/** A town's alarm rules, for anyone who sees alarms in the town or in one of its villages. */
export async function getAlarmRules(deps: Deps, { actor, query: raw }: { actor: Actor; query: z.input<typeof alarmRulesQuery> }): Promise<AlarmRuleView[]> {
  const { townCode: town } = parseInput(alarmRulesQuery, raw);
  if (!scopesFor(actor, 'alarm.read').some((s) => isWithin(town, s) || isWithin(s, town))) {
    throw new AppError('FORBIDDEN', `permission alarm.read is not granted in or above town ${town}`);
  }
  return deps.uow.read(async (tx) => views(await effectiveRules(tx, town)));
}

export const setAlarmRuleInput = z.strictObject({
  rule: z.enum(ALARM_RULES),
  enabled: z.boolean(),
  severity: z.enum(SEVERITIES),
  autoLock: z.boolean(),
  threshold: z.number().int().nullable(),
});
export type SetAlarmRuleInput = z.infer<typeof setAlarmRuleInput>;

/**
 * Changes one of a town's rules (alarm.configure on the town): on or off, severity, auto-lock,
 * and its number within the rule's range. Audited as ALARM_RULE_CHANGED with before and after.
 */
export async function setAlarmRule(
  deps: Deps,
  { actor, townCode: rawTown, input: raw }: { actor: Actor; townCode: string; input: SetAlarmRuleInput },
): Promise<AlarmRuleView[]> {
  const { townCode: town } = parseInput(alarmRulesQuery, { townCode: rawTown });
  const input = parseInput(setAlarmRuleInput, raw);
  requirePermission(actor, 'alarm.configure', town);
  const d = RULE_DEFAULTS[input.rule];
  if (d.unit === null && input.threshold !== null) {
    throw new AppError('VALIDATION', `threshold: the rule ${input.rule} has no threshold (send null)`, { field: 'threshold' });
  }
  if (d.unit !== null && (input.threshold === null || input.threshold < d.min! || input.threshold > d.max!)) {
    throw new AppError('VALIDATION', `threshold: the rule ${input.rule} needs a number of ${d.unit} from ${d.min} to ${d.max}`, { field: 'threshold' });
  }
  if (input.autoLock && input.severity !== 'critical') {
    throw new AppError('VALIDATION', 'autoLock: only a critical rule may lock the device automatically', { field: 'autoLock' });
  }
  return deps.uow.write(async (tx) => {
    const before = (await effectiveRules(tx, town))[input.rule];
    const setting: AlarmRuleSetting = { rule: input.rule, enabled: input.enabled, severity: input.severity, autoLock: input.autoLock, threshold: input.threshold };
    await tx.alarms.upsertRule(town, setting, deps.clock.now().toISOString());
    await record(tx, deps, actor, {
      action: 'ALARM_RULE_CHANGED', targetType: 'alarm', targetId: `rule:${town}:${input.rule}`, orgCode: town,
      before: { enabled: before.enabled, severity: before.severity, autoLock: before.autoLock, threshold: before.threshold },
      after: { enabled: setting.enabled, severity: setting.severity, autoLock: setting.autoLock, threshold: setting.threshold },
    });
    return views(await effectiveRules(tx, town));
  });
}
