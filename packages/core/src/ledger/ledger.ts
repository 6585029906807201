import { z } from 'zod';
import { APPLICATION_STATUSES, type PageFingerprint } from '../application/application.js';
import { effectiveMatters } from '../application/matter-catalogue.js';
import type { Authorization, LedgerEntry, Stamping } from '../application/records.js';
import { record } from '../audit/record.js';
import { scopesFor, type Actor } from '../auth/actor.js';
import { AppError, notFound } from '../errors.js';
import { isWithin, townOf } from '../org/org-code.js';
import type { Deps, LedgerFilter, Page, Tx } from '../ports.js';
import { parseInput } from '../validate.js';

const instant = z.iso.datetime({ offset: true });

/** The ledger's filters as a query string: everything optional. */
export const ledgerQuery = z.strictObject({
  /** A village, or a town and everything in it. */
  orgCode: z.string().regex(/^\d{2,12}$/, 'a division code of 2 to 12 digits').optional(),
  sealId: z.string().min(1).max(40).optional(),
  /** Filed at or after / before these instants. */
  from: instant.optional(),
  to: instant.optional(),
  applicantUserId: z.string().min(1).max(40).optional(),
  approverUserId: z.string().min(1).max(40).optional(),
  matterCode: z.string().min(1).max(40).optional(),
  status: z.enum(APPLICATION_STATUSES).optional(),
  q: z.string().trim().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type LedgerQuery = z.input<typeof ledgerQuery>;

/**
 * The repository filter for what the actor may read: the units where they hold
 * application.read; somebody without it (a villager) sees only their own applications.
 */
function filterFor(actor: Actor, query: z.output<typeof ledgerQuery>, scopes = scopesFor(actor, 'application.read')): LedgerFilter {
  if (query.from && query.to && new Date(query.to) <= new Date(query.from)) {
    throw new AppError('VALIDATION', 'to: the end of the period must come after its start', { field: 'to' });
  }
  const filter: LedgerFilter = { scopes, limit: query.limit };
  for (const k of ['orgCode', 'sealId', 'applicantUserId', 'approverUserId', 'matterCode', 'status', 'q', 'cursor'] as const) {
    const v = query[k];
    if (v) (filter as unknown as Record<string, unknown>)[k] = v;
  }
  if (query.from) filter.from = new Date(query.from).toISOString();
  if (query.to) filter.to = new Date(query.to).toISOString();
  if (scopes.length === 0) {
    if (query.applicantUserId && query.applicantUserId !== actor.userId) throw new AppError('FORBIDDEN', 'you may read only your own applications', { field: 'applicantUserId' });
    filter.scopes = [''];
    filter.applicantUserId = actor.userId;
  }
  return filter;
}

/** 用印登记簿: one page of the ledger, newest first, within what the actor may read. */
export async function searchLedger(deps: Deps, { actor, query: raw }: { actor: Actor; query: LedgerQuery }): Promise<Page<LedgerEntry>> {
  const filter = filterFor(actor, parseInput(ledgerQuery, raw));
  return deps.uow.read((tx) => tx.ledger.search(filter));
}

export interface LedgerDetail {
  entry: LedgerEntry;
  /** Fingerprints of the approved pages; the edge adds the image addresses. */
  pages: PageFingerprint[];
  stampings: (Stamping & { operatorName: string | null })[];
  authorization: Authorization | null;
}

async function visibleEntry(tx: Tx, actor: Actor, id: string): Promise<LedgerEntry> {
  const entry = await tx.ledger.entry(id);
  const scopes = scopesFor(actor, 'application.read');
  const mine = entry && (entry.applicantUserId === actor.userId || entry.clerkUserId === actor.userId);
  if (!entry || (!mine && !scopes.some((s) => isWithin(entry.orgCode, s)))) throw notFound('ledger entry', id);
  return entry;
}

/** One ledger entry with its approved pages, the stampings made under it, and its authorization. */
export async function ledgerDetail(deps: Deps, { actor, id }: { actor: Actor; id: string }): Promise<LedgerDetail> {
  return deps.uow.read(async (tx) => {
    const entry = await visibleEntry(tx, actor, id);
    const stampings = await tx.stampings.forApplication(id);
    const names = new Map<string, string | null>();
    for (const uid of new Set(stampings.map((s) => s.operatorUserId).filter((u): u is string => u !== null))) {
      names.set(uid, (await tx.users.get(uid))?.name ?? null);
    }
    return {
      entry,
      pages: entry.pages.map(({ pageNo, sm3, phash }) => ({ pageNo, sm3, phash })),
      stampings: stampings.map((s) => ({ ...s, operatorName: s.operatorUserId ? (names.get(s.operatorUserId) ?? null) : null })),
      authorization: await tx.applications.authorizationOf(id),
    };
  });
}

/** Most rows one export may carry; a larger ledger is exported by village or by period. */
export const LEDGER_EXPORT_MAX_ROWS = 10_000;

export const LEDGER_EXPORT_FORMATS = ['xlsx', 'pdf'] as const;
export type LedgerExportFormat = (typeof LEDGER_EXPORT_FORMATS)[number];

export const ledgerExportQuery = ledgerQuery.omit({ limit: true, cursor: true });
export type LedgerExportQuery = z.input<typeof ledgerExportQuery>;

export interface LedgerExportRows {
  /** The filter as applied (scopes included), for the audit trail. */
  filter: Omit<LedgerFilter, 'limit' | 'cursor'>;
  entries: LedgerEntry[];
  /** Names of the matters the entries carry, from their towns' catalogues. */
  matterNames: Record<string, string>;
  /** Per application: who recorded or operated each stamping (监印人), and the stampings' notes (备注). */
  stampingFacts: Map<string, { operators: string[]; notes: string[] }>;
}

/**
 * The entries an export of the ledger will print, newest first: needs ledger.export, and
 * refuses more than LEDGER_EXPORT_MAX_ROWS rows rather than cutting the ledger short.
 */
export async function ledgerExportRows(deps: Deps, { actor, query: raw }: { actor: Actor; query: LedgerExportQuery }): Promise<LedgerExportRows> {
  const scopes = scopesFor(actor, 'ledger.export');
  if (scopes.length === 0) throw new AppError('FORBIDDEN', 'permission ledger.export is not granted on any unit');
  const query = parseInput(ledgerExportQuery, raw);
  const base = filterFor(actor, { ...query, limit: 200 }, scopes);
  return deps.uow.read(async (tx) => {
    const entries: LedgerEntry[] = [];
    let cursor: string | undefined;
    do {
      const page = await tx.ledger.search({ ...base, ...(cursor ? { cursor } : {}) });
      entries.push(...page.items);
      if (entries.length > LEDGER_EXPORT_MAX_ROWS) {
        throw new AppError('VALIDATION', `the export would hold more than ${LEDGER_EXPORT_MAX_ROWS} rows: narrow the filter (a village, a seal or a shorter period)`, { field: 'from' });
      }
      cursor = page.next ?? undefined;
    } while (cursor);
    const matterNames: Record<string, string> = {};
    for (const town of new Set(entries.map((e) => townOf(e.orgCode)).filter((t): t is string => t !== null))) {
      for (const m of await effectiveMatters(tx, town)) matterNames[m.code] ??= m.nameZh;
    }
    const stampings = await tx.stampings.forApplications(entries.filter((e) => e.impressionsMade > 0).map((e) => e.id));
    const names = new Map<string, string>();
    const stampingFacts = new Map<string, { operators: string[]; notes: string[] }>();
    for (const [appId, list] of stampings) {
      const operators: string[] = [];
      for (const s of list) {
        if (!s.operatorUserId) continue;
        if (!names.has(s.operatorUserId)) names.set(s.operatorUserId, (await tx.users.get(s.operatorUserId))?.name ?? s.operatorUserId);
        const n = names.get(s.operatorUserId)!;
        if (!operators.includes(n)) operators.push(n);
      }
      stampingFacts.set(appId, { operators, notes: list.map((s) => s.note).filter((n): n is string => Boolean(n)) });
    }
    const { limit: _limit, cursor: _cursor, ...filter } = base;
    return { filter, entries, matterNames, stampingFacts };
  });
}

/** The longest code all scopes share: where an export over them belongs in the trail. */
function commonUnit(scopes: string[]): string {
  if (scopes.length === 0) return '';
  let prefix = scopes[0]!;
  for (const s of scopes) while (!s.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/** Appends LEDGER_EXPORTED to the trail: every export of the ledger is on record. */
export async function recordLedgerExport(
  deps: Deps,
  { actor, filter, format, rows }: { actor: Actor; filter: Omit<LedgerFilter, 'limit' | 'cursor'>; format: LedgerExportFormat; rows: number },
): Promise<string> {
  const scopes = scopesFor(actor, 'ledger.export');
  if (scopes.length === 0) throw new AppError('FORBIDDEN', 'permission ledger.export is not granted on any unit');
  const id = deps.ids.next();
  await deps.uow.write((tx) => record(tx, deps, actor, {
    action: 'LEDGER_EXPORTED', targetType: 'ledger', targetId: id, orgCode: filter.orgCode ?? commonUnit(filter.scopes),
    before: null, after: { format, rows, filter },
  }));
  return id;
}
