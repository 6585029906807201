import {
  AppError, ledgerDetail, ledgerExportQuery, ledgerExportRows, ledgerQuery, localDate, recordLedgerExport, recordManualStamping, searchLedger,
  zoneOffsetMs, type LedgerEntry, type LedgerExportFormat,
} from '@cunzhang/core';
import { documents } from '../documents.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { announce } from './applications.js';
import { commonErrors, errorSchema, idParams, pageOf } from '../schemas.js';
import { requireAuth } from '../session.js';
import { intakeUpload, photoBlobs, readMultipart, withStagedBlobs } from '../uploads.js';

const pageSchema = z.object({ pageNo: z.number(), blobKey: z.string(), thumbKey: z.string(), sm3: z.string(), phash: z.string() });

export const ledgerEntrySchema = z.object({
  id: z.string(), serialNo: z.number(), sealId: z.string(), sealName: z.string(), orgCode: z.string(), orgName: z.string(),
  matterCode: z.string(), route: z.string(), reason: z.string(), documentTitle: z.string(), copies: z.number(), impressions: z.number(),
  applicantUserId: z.string(), applicantName: z.string(), onBehalfOfName: z.string().nullable(), clerkUserId: z.string().nullable(),
  contractWords: z.array(z.string()), resolutionBlob: z.string().nullable(), status: z.string(),
  decidedBy: z.string().nullable(), decidedByName: z.string().nullable(), decidedForUserId: z.string().nullable(), decidedForName: z.string().nullable(),
  decidedAt: z.string().nullable(), opinion: z.string().nullable(), pages: z.array(pageSchema), remindedAt: z.string().nullable(),
  impressionsAllowed: z.number().nullable(), impressionsMade: z.number(), lastStampedAt: z.string().nullable(), keeperRecorded: z.boolean(),
  deviceId: z.string().nullable(), authorizationStatus: z.string().nullable(), validUntil: z.string().nullable(),
  createdAt: z.string(), updatedAt: z.string(), version: z.number(),
});

const stampingSchema = z.object({
  id: z.string(), applicationId: z.string(), authorizationId: z.string(), sealId: z.string(), orgCode: z.string(), source: z.string(),
  impressions: z.number(), stampedAt: z.string(), operatorUserId: z.string().nullable(), deviceId: z.string().nullable(),
  latitude: z.number().nullable(), longitude: z.number().nullable(), photoKey: z.string().nullable(), thumbKey: z.string().nullable(),
  sm3: z.string().nullable(), phash: z.string().nullable(), matchedPageNo: z.number().nullable(), phashDistance: z.number().nullable(),
  note: z.string().nullable(), createdAt: z.string(),
});

const imageUrls = z.object({ thumbUrl: z.string(), photoUrl: z.string() });
const detailSchema = z.object({
  entry: ledgerEntrySchema,
  /** Approved pages, each beside the stamped pages that matched it best. */
  pages: z.array(z.object({ pageNo: z.number(), sm3: z.string(), phash: z.string() }).extend(imageUrls.shape)),
  stampings: z.array(stampingSchema.extend({ operatorName: z.string().nullable(), thumbUrl: z.string().nullable(), photoUrl: z.string().nullable() })),
  authorization: z.object({
    id: z.string(), impressionsAllowed: z.number(), impressionsUsed: z.number(), validFrom: z.string(), validUntil: z.string(),
    status: z.string(), revokedAt: z.string().nullable(), deviceId: z.string().nullable(),
  }).nullable(),
});

const STATUS_ZH: Record<string, string> = {
  pending: '待审批', approved: '已批准', rejected: '已驳回', withdrawn: '已撤回', expired: '已过期', revoked: '已撤销授权', stamped: '已盖章',
};

/** Columns of the printed and exported ledger (domain §5). */
const COLUMNS = [
  { key: 'serial', header: '流水号', width: 4 },
  { key: 'at', header: '日期时间', width: 8 },
  { key: 'seal', header: '印章', width: 8 },
  { key: 'village', header: '村(居)', width: 7 },
  { key: 'matter', header: '事项', width: 7 },
  { key: 'reason', header: '事由', width: 13 },
  { key: 'title', header: '文件名称', width: 8 },
  { key: 'counts', header: '份数/用印次数', width: 5 },
  { key: 'applicant', header: '申请人/经办人', width: 8 },
  { key: 'approver', header: '审批人及意见', width: 10 },
  { key: 'made', header: '实际用印', width: 9 },
  { key: 'source', header: '记录方式', width: 8 },
  { key: 'supervisor', header: '监印人', width: 5 },
  { key: 'retained', header: '留存材料', width: 6 },
  { key: 'remarks', header: '备注', width: 5 },
  { key: 'status', header: '状态', width: 5 },
] as const;

function formatLocal(iso: string | null, tz: string): string {
  if (!iso) return '';
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
    .formatToParts(new Date(iso));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

function ledgerRow(e: LedgerEntry, matterNames: Record<string, string>, tz: string, facts?: { operators: string[]; notes: string[] }): Record<string, string> {
  const applicant = e.onBehalfOfName ? `${e.onBehalfOfName}（经办人：${e.applicantName}）` : e.applicantName;
  const decider = e.decidedByName ? `${e.decidedByName}${e.decidedForName ? `（代${e.decidedForName}）` : ''}` : '';
  return {
    serial: String(e.serialNo),
    at: formatLocal(e.createdAt, tz),
    seal: e.sealName,
    village: e.orgName,
    matter: matterNames[e.matterCode] ?? e.matterCode,
    reason: e.reason,
    title: e.documentTitle,
    counts: `${e.copies}份/${e.impressions}次`,
    applicant,
    approver: decider ? `${decider}：${e.opinion ?? ''}${e.decidedAt ? `\n${formatLocal(e.decidedAt, tz)}` : ''}` : '',
    made: e.impressionsMade ? `${e.impressionsMade}次${e.lastStampedAt ? `\n${formatLocal(e.lastStampedAt, tz)}` : ''}` : '',
    source: e.impressionsMade === 0 ? '' : e.keeperRecorded ? '保管人手工登记' : '设备',
    supervisor: facts?.operators.join('、') ?? '',
    retained: [`${e.pages.length}页文件照片`, e.resolutionBlob ? '会议决议照片' : '', e.impressionsMade ? '盖章后照片' : ''].filter(Boolean).join('、'),
    remarks: [e.contractWords.length ? `含合同类词语：${e.contractWords.join('、')}` : '', ...(facts?.notes ?? [])].filter(Boolean).join('；'),
    status: STATUS_ZH[e.status] ?? e.status,
  };
}

/** `attachment` with an ASCII name for old clients and the Chinese one in filename*. */
const disposition = (ascii: string, name: string): string => `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;

export const ledgerRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const { deps, blobs, config } = ctx;
  const tags = ['ledger'];
  const pageUrl = (id: string, pageNo: number, size: 'thumb' | 'full') => `/api/applications/${id}/pages/${pageNo}?size=${size}`;
  const stampUrl = (id: string, sid: string, size: 'thumb' | 'full') => `/api/applications/${id}/stampings/${sid}/photo?size=${size}`;

  app.post('/api/applications/:id/stampings', {
    schema: {
      tags, params: idParams, consumes: ['multipart/form-data'],
      summary: 'The keeper records impressions made by hand (no device bound): multipart, JSON field "data" {impressions, stampedAt?, note?} and the file "photo" of the stamped page',
      response: { 201: stampingSchema, 409: errorSchema, 413: errorSchema, 415: errorSchema, 422: errorSchema, ...commonErrors },
    },
  }, async (req, reply) => {
    const { actor } = await requireAuth(deps, req);
    const { data, files } = await readMultipart(req, { maxFiles: 1, maxBytes: config.uploadLimitBytes, maxTotalBytes: config.uploadTotalLimitBytes });
    const file = files.find((f) => f.field === 'photo');
    if (!file || files.length !== 1) throw new AppError('VALIDATION', 'photograph the stamped page: send one file in the field "photo"', { field: 'photo' });
    const photo = await intakeUpload(file, config, 'photo of the stamped page');
    const done = await withStagedBlobs(blobs, photoBlobs(photo), ([photoKey, thumbKey]) => recordManualStamping(deps, {
      actor, applicationId: req.params.id, input: data as never, photo: { photoKey: photoKey!, thumbKey: thumbKey!, sm3: photo.sm3, phash: photo.phash },
    }));
    await announce(ctx, 'stamped', done.application);
    return reply.status(201).send(done.stamping);
  });

  app.get('/api/ledger', {
    schema: { tags, summary: 'The seal-use ledger (用印登记簿), newest first, keyset-paginated', querystring: ledgerQuery, response: { 200: pageOf(ledgerEntrySchema), ...commonErrors } },
  }, async (req) => searchLedger(deps, { actor: (await requireAuth(deps, req)).actor, query: req.query }));

  const exportRoute = (format: LedgerExportFormat) => app.get(`/api/ledger/export.${format}`, {
    schema: {
      tags, querystring: ledgerExportQuery, produces: [format === 'xlsx' ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'application/pdf'],
      summary: `Export the ledger with the same filters as ${format.toUpperCase()} (personal numbers masked; at most 10,000 rows)`,
    },
  }, async (req, reply) => {
    const { actor } = await requireAuth(deps, req);
    const { filter, entries, matterNames, stampingFacts } = await ledgerExportRows(deps, { actor, query: req.query });
    const now = deps.clock.now();
    const rows = entries.map((e) => ledgerRow(e, matterNames, config.tz, stampingFacts.get(e.id)));
    const period = req.query.from || req.query.to
      ? `${req.query.from ? formatLocal(req.query.from, config.tz).slice(0, 10) : ''}—${req.query.to ? formatLocal(req.query.to, config.tz).slice(0, 10) : ''}`
      : '全部日期';
    // The heading says what was asked for (unit, filters) and by whom, not what the rows happen to hold.
    const unitCode = req.query.orgCode ?? (filter.scopes.length === 1 ? filter.scopes[0]! : '');
    const { unitName, exporter } = await deps.uow.read(async (tx) => ({
      unitName: unitCode ? ((await tx.orgs.get(unitCode))?.name ?? unitCode) : '全部单位',
      exporter: (await tx.users.get(actor.userId))?.name ?? actor.userId,
    }));
    const conditions = [
      req.query.sealId && entries[0] ? `印章：${entries[0].sealName}` : req.query.sealId ? '印章：指定' : '',
      req.query.matterCode ? `事项：${matterNames[req.query.matterCode] ?? req.query.matterCode}` : '',
      req.query.status ? `状态：${STATUS_ZH[req.query.status] ?? req.query.status}` : '',
      req.query.applicantUserId ? '申请人：指定' : '', req.query.approverUserId ? '审批人：指定' : '',
      req.query.q ? `关键词：${req.query.q}` : '',
    ].filter(Boolean).join('，');
    const subtitle = [unitName, period, conditions, `共${entries.length}条`, `导出：${exporter} ${formatLocal(now.toISOString(), config.tz)}`].filter(Boolean).join('  ');
    const day = localDate(now, config.tz).replaceAll('-', '');
    let bytes: Buffer;
    if (format === 'xlsx') {
      const xlsxRows = entries.map((e, i) => ({ ...rows[i], serial: e.serialNo, at: new Date(e.createdAt) }));
      bytes = await (await documents()).renderLedgerXlsx({
        sheetName: '用印登记簿', title: `用印登记簿 ${subtitle}`, columns: COLUMNS.map(({ key, header }) => ({ key, header })), rows: xlsxRows,
        utcOffsetMinutes: Math.round(zoneOffsetMs(now, config.tz) / 60_000),
      });
      reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    } else {
      bytes = Buffer.from(await (await documents()).renderLedgerPdf({ title: '用印登记簿', subtitle, columns: [...COLUMNS], rows, generatedAt: now, timeZone: config.tz }));
      reply.type('application/pdf');
    }
    await recordLedgerExport(deps, { actor, filter, format, rows: entries.length });
    reply.header('content-disposition', disposition(`ledger-${day}.${format}`, `用印登记簿-${day}.${format}`));
    reply.header('cache-control', 'private, no-store');
    return reply.send(bytes);
  });
  exportRoute('xlsx');
  exportRoute('pdf');

  app.get('/api/ledger/:id', {
    schema: { tags, summary: 'One ledger entry: approved pages beside the stamped pages, stampings, authorization', params: idParams, response: { 200: detailSchema, ...commonErrors } },
  }, async (req) => {
    const d = await ledgerDetail(deps, { actor: (await requireAuth(deps, req)).actor, id: req.params.id });
    const id = d.entry.id;
    return {
      entry: d.entry,
      pages: d.pages.map((p) => ({ ...p, thumbUrl: pageUrl(id, p.pageNo, 'thumb'), photoUrl: pageUrl(id, p.pageNo, 'full') })),
      stampings: d.stampings.map((s) => ({
        ...s, thumbUrl: s.thumbKey ? stampUrl(id, s.id, 'thumb') : null, photoUrl: s.photoKey ? stampUrl(id, s.id, 'full') : null,
      })),
      authorization: d.authorization && {
        id: d.authorization.id, impressionsAllowed: d.authorization.impressionsAllowed, impressionsUsed: d.authorization.impressionsUsed,
        validFrom: d.authorization.validFrom, validUntil: d.authorization.validUntil, status: d.authorization.status,
        revokedAt: d.authorization.revokedAt, deviceId: d.authorization.deviceId,
      },
    };
  });
};
