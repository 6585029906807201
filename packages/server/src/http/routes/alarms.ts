import {
  acknowledgeAlarm, alarmRulesQuery, getAlarm, getAlarmRules, listAlarms, listAlarmsQuery, resolveAlarm, resolveAlarmInput, setAlarmRule, setAlarmRuleInput,
} from '@cunzhang/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { auditEntrySchema, commonErrors, errorSchema, idParams, pageOf } from '../schemas.js';
import { requireAuth } from '../session.js';

export const alarmSchema = z.object({
  id: z.string(), orgCode: z.string(), deviceId: z.string().nullable(), sealId: z.string().nullable(), rule: z.string(), severity: z.string(),
  status: z.string(), evidence: z.record(z.string(), z.unknown()), eventSeq: z.number().nullable(), dedupeKey: z.string().nullable(),
  autoLocked: z.boolean(), createdAt: z.string(), acknowledgedBy: z.string().nullable(), acknowledgedAt: z.string().nullable(),
  resolvedBy: z.string().nullable(), resolvedAt: z.string().nullable(), note: z.string().nullable(), version: z.number(),
});
const alarmViewSchema = alarmSchema.extend({ ruleNameZh: z.string(), orgName: z.string(), deviceLabel: z.string().nullable(), sealName: z.string().nullable() });
const detailSchema = z.object({
  alarm: alarmViewSchema,
  history: z.array(auditEntrySchema),
  deviceLock: z.object({ lockWanted: z.boolean(), lockReason: z.string().nullable(), pending: z.boolean() }).nullable(),
  actions: z.array(z.enum(['acknowledge', 'resolve'])),
});
const settingSchema = z.object({ enabled: z.boolean(), severity: z.string(), autoLock: z.boolean(), threshold: z.number().nullable() });
const ruleViewSchema = settingSchema.extend({
  rule: z.string(), nameZh: z.string(), nameEn: z.string(), unit: z.string().nullable(), min: z.number().nullable(), max: z.number().nullable(),
  thresholdHelp: z.string().nullable(), isDefault: z.boolean(), defaults: settingSchema,
});
const stepErrors = { ...commonErrors, 409: errorSchema, 422: errorSchema };

/**
 * Alarms (domain §6): the list and one alarm with its evidence, acknowledge (已知悉) and resolve
 * (已处理, with a note); and each town's rules (GET for readers, PUT for alarm.configure).
 */
export const registerAlarmRoutes = ({ deps }: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['alarms'];
  app.get('/api/alarms', {
    schema: { tags, summary: 'Alarms in my units, newest first, keyset-paginated', querystring: listAlarmsQuery, response: { 200: pageOf(alarmViewSchema), ...commonErrors } },
  }, async (req) => listAlarms(deps, { actor: (await requireAuth(deps, req)).actor, query: req.query }));

  app.get('/api/alarms/:id', {
    schema: { tags, summary: 'An alarm with its evidence, history, the device\'s lock and the actions open to me', params: idParams, response: { 200: detailSchema, ...commonErrors } },
  }, async (req) => getAlarm(deps, { actor: (await requireAuth(deps, req)).actor, id: req.params.id }));

  app.post('/api/alarms/:id/acknowledge', {
    schema: { tags, summary: 'Acknowledge an open alarm (已知悉)', params: idParams, response: { 200: alarmSchema, ...stepErrors } },
  }, async (req) => acknowledgeAlarm(deps, { actor: (await requireAuth(deps, req)).actor, id: req.params.id }));

  app.post('/api/alarms/:id/resolve', {
    schema: { tags, summary: 'Resolve an alarm with a note on what was found and done (已处理)', params: idParams, body: resolveAlarmInput, response: { 200: alarmSchema, ...stepErrors } },
  }, async (req) => resolveAlarm(deps, { actor: (await requireAuth(deps, req)).actor, id: req.params.id, input: req.body }));

  app.get('/api/alarm-rules', {
    schema: { tags, summary: 'A town\'s alarm rules: each rule\'s setting beside its default', querystring: alarmRulesQuery, response: { 200: z.array(ruleViewSchema), ...commonErrors } },
  }, async (req) => getAlarmRules(deps, { actor: (await requireAuth(deps, req)).actor, query: req.query }));

  app.put('/api/alarm-rules', {
    schema: {
      tags, summary: 'Change one of a town\'s alarm rules (enabled, severity, auto-lock, threshold); answers with all its rules',
      querystring: alarmRulesQuery, body: setAlarmRuleInput, response: { 200: z.array(ruleViewSchema), ...stepErrors },
    },
  }, async (req) => setAlarmRule(deps, { actor: (await requireAuth(deps, req)).actor, townCode: req.query.townCode, input: req.body }));
};
