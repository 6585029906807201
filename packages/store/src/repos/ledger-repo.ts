import { queryTerms, type ApplicationPage, type AuthorizationStatus, type LedgerEntry, type LedgerFilter, type LedgerRepo } from '@cunzhang/core';
import { sql, type RawBuilder } from 'kysely';
import type { ApplicationsTable } from '../schema.js';
import { toApplication } from './application-repo.js';
import { decodeCursor, encodeCursor, within, type Ctx } from './common.js';

/**
 * Serial numbers follow filing time: SQLite numbers each filing inside its serialised write;
 * on PostgreSQL filings in flight at the same moment may take their numbers in another order
 * than their clocks, by at most the number of concurrent writers. A period is narrowed to
 * serial numbers with this much to spare, and the exact created_at test is kept.
 */
const SERIAL_MARGIN = 1000;

type Cond = RawBuilder<unknown>;
const and = (conds: Cond[]): Cond => (conds.length ? sql`${sql.join(conds, sql` and `)}` : sql`1 = 1`);

/** A unit and everything beneath it; a village code (12 digits, the lowest level) is an equality. */
const unitCond = (code: string): Cond => (code.length >= 12 ? sql`org_code = ${code}` : sql`org_code like ${within(code)} escape '\\'`);

/**
 * Ledger search in two steps: first the serial numbers of one page (see migration 006 for the
 * indexes that keep this step about as fast at a million entries as at ten thousand), then the
 * entries of that page with the names resolved by joins.
 */
export function ledgerRepo({ db, dialect }: Ctx): LedgerRepo {
  /** Serial-number bounds of a period, or null when no entry lies in it. */
  async function serialBounds(from?: string, to?: string): Promise<{ lo?: number; hi?: number } | null> {
    const out: { lo?: number; hi?: number } = {};
    if (from) {
      const r = await db.selectFrom('applications').select('serial_no').where('created_at', '>=', from).orderBy('created_at').orderBy('serial_no').limit(1).executeTakeFirst();
      if (!r) return null;
      out.lo = r.serial_no - SERIAL_MARGIN;
    }
    if (to) {
      const r = await db.selectFrom('applications').select('serial_no').where('created_at', '<', to).orderBy('created_at', 'desc').orderBy('serial_no', 'desc').limit(1).executeTakeFirst();
      if (!r) return null;
      out.hi = r.serial_no + SERIAL_MARGIN;
    }
    return out;
  }

  async function serials(f: LedgerFilter): Promise<number[] | null> {
    const n = f.limit + 1;
    const conds: Cond[] = [];
    // A unit inside one of the scopes implies the scopes: leaving them out keeps the
    // planner on the unit's own index.
    const unitInScope = f.orgCode !== undefined && f.scopes.some((s) => f.orgCode!.startsWith(s));
    if (!f.scopes.includes('') && !unitInScope) {
      if (f.scopes.length === 0) return [];
      conds.push(sql`(${sql.join(f.scopes.map(unitCond), sql` or `)})`);
    }
    if (f.orgCode) conds.push(unitCond(f.orgCode));
    if (f.sealId) conds.push(sql`seal_id = ${f.sealId}`);
    if (f.matterCode) conds.push(sql`matter_code = ${f.matterCode}`);
    if (f.status) conds.push(sql`status = ${f.status}`);
    if (f.from) conds.push(sql`created_at >= ${f.from}`);
    if (f.to) conds.push(sql`created_at < ${f.to}`);
    // Conditions on the serial number, written for the column that drives the walk.
    const serialConds: ((col: RawBuilder<unknown>) => Cond)[] = [];
    const after = decodeCursor(f.cursor, 1);
    if (after && /^\d+$/.test(after[0]!)) serialConds.push((c) => sql`${c} < ${Number(after[0])}`);
    if (f.from || f.to) {
      const b = await serialBounds(f.from, f.to);
      if (!b) return [];
      if (b.lo !== undefined) serialConds.push((c) => sql`${c} >= ${b.lo}`);
      if (b.hi !== undefined) serialConds.push((c) => sql`${c} <= ${b.hi}`);
    }
    const terms = f.q ? queryTerms(f.q) : [];

    // Either of two people's columns: one branch each, every branch walks its own index.
    let branches: { cond: Cond; index: string }[][] = [[]];
    const either = (alternatives: { cond: Cond; index: string }[]) => {
      branches = branches.flatMap((b) => alternatives.map((a) => [...b, a]));
    };
    if (f.applicantUserId) {
      either([
        { cond: sql`applicant_user_id = ${f.applicantUserId}`, index: 'applications_applicant_serial' },
        { cond: sql`clerk_user_id = ${f.applicantUserId}`, index: 'applications_clerk_serial' },
      ]);
    }
    if (f.approverUserId) {
      either([
        { cond: sql`decided_by = ${f.approverUserId}`, index: 'applications_decided_by_serial' },
        { cond: sql`decided_for_user_id = ${f.approverUserId}`, index: 'applications_decided_for_serial' },
      ]);
    }

    const serialNo = sql.ref('serial_no');
    if (dialect === 'postgres') {
      conds.push(...serialConds.map((c) => c(serialNo)));
      if (terms.length) conds.push(sql`search_vec @@ ${terms.map((t) => `'${t}'`).join(' & ')}::tsquery`);
      return run(branches.map((b) => and([...conds, ...b.map((x) => x.cond)])), () => sql``, n);
    }

    // SQLite: its planner has no statistics here, so the driving index is chosen explicitly,
    // most selective first. Free text without such a filter is driven by FTS5 in rowid
    // (= serial) order; with one, each candidate is checked against FTS5 by rowid.
    const fts = terms.length ? terms.map((t) => `"${t}"`).join(' ') : null;
    const village = (f.orgCode && f.orgCode.length >= 12) || (f.scopes.length === 1 && f.scopes[0]!.length >= 12);
    const driver = f.sealId ? 'applications_seal_serial'
      : village ? 'applications_org_serial'
        : fts ? null
          : f.matterCode ? 'applications_matter_serial'
            : f.status ? 'applications_status_serial'
              : 'applications_serial';
    const hasPerson = branches[0]!.length > 0;
    if (fts && !driver && !hasPerson) {
      const rows = await sql<{ serial_no: number }>`select a.serial_no from ledger_fts f cross join applications a indexed by applications_serial
        where ledger_fts match ${fts} and a.serial_no = f.rowid and ${and([...conds, ...serialConds.map((c) => c(sql.ref('f.rowid')))])}
        order by f.rowid desc limit ${n}`.execute(db);
      return rows.rows.map((r) => Number(r.serial_no));
    }
    conds.push(...serialConds.map((c) => c(serialNo)));
    if (fts) conds.push(sql`exists (select 1 from ledger_fts where ledger_fts match ${fts} and rowid = applications.serial_no)`);
    return run(
      branches.map((b) => and([...conds, ...b.map((x) => x.cond)])),
      (i) => sql.raw(` indexed by ${branches[i]![branches[i]!.length - 1]?.index ?? driver ?? 'applications_serial'}`),
      n,
    );
  }

  /** One page of serial numbers: a single walk, or the newest of each branch's own walk. */
  async function run(where: Cond[], hint: (i: number) => RawBuilder<unknown>, n: number): Promise<number[]> {
    const one = (i: number) => sql`select serial_no from applications${hint(i)} where ${where[i]!} order by serial_no desc limit ${n}`;
    const q = where.length === 1
      ? one(0)
      : sql`select serial_no from (${sql.join(where.map((_, i) => sql`select serial_no from (${one(i)}) as b${sql.raw(String(i))}`), sql` union `)}) as u
          order by serial_no desc limit ${n}`;
    const rows = await q.execute(db);
    return (rows.rows as { serial_no: number }[]).map((r) => Number(r.serial_no));
  }

  async function entries(serialNos: number[]): Promise<LedgerEntry[]> {
    if (serialNos.length === 0) return [];
    const rows = await db.selectFrom('applications as a')
      .innerJoin('seals as s', 's.id', 'a.seal_id')
      .leftJoin('org_units as o', 'o.code', 'a.org_code')
      .leftJoin('users as u', 'u.id', 'a.applicant_user_id')
      .leftJoin('users as d', 'd.id', 'a.decided_by')
      .leftJoin('users as w', 'w.id', 'a.decided_for_user_id')
      .leftJoin('authorizations as z', 'z.application_id', 'a.id')
      .selectAll('a')
      .select([
        's.name as seal_name', 'o.name as org_name', 'u.name as applicant_name', 'd.name as decided_by_name', 'w.name as decided_for_name',
        'z.impressions_allowed as auth_allowed', 'z.device_id as auth_device', 'z.status as auth_status', 'z.valid_until as auth_until',
      ])
      .where('a.serial_no', 'in', serialNos)
      .execute();
    const ids = rows.map((r) => r.id);
    const pages = new Map<string, ApplicationPage[]>();
    for (const p of await db.selectFrom('application_pages').selectAll().where('application_id', 'in', ids).orderBy('application_id').orderBy('page_no').execute()) {
      pages.set(p.application_id, [...(pages.get(p.application_id) ?? []), { pageNo: p.page_no, blobKey: p.blob_key, thumbKey: p.thumb_key, sm3: p.sm3, phash: p.phash }]);
    }
    const made = new Map<string, { made: number; last: string | null; keeper: number; device: string | null }>();
    const agg = await db.selectFrom('stampings')
      .select((eb) => [
        'application_id', eb.fn.sum<number>('impressions').as('made'), eb.fn.max('stamped_at').as('last'),
        eb.fn.max(sql<number>`case when source = 'keeper' then 1 else 0 end`).as('keeper'), eb.fn.max('device_id').as('device'),
      ])
      .where('application_id', 'in', ids).groupBy('application_id').execute();
    for (const r of agg) made.set(r.application_id, { made: Number(r.made), last: r.last, keeper: Number(r.keeper), device: r.device });
    const bySerial = new Map(rows.map((r) => {
      const st = made.get(r.id);
      const entry: LedgerEntry = {
        ...toApplication(r as unknown as ApplicationsTable, pages.get(r.id) ?? []),
        serialNo: Number(r.serial_no), sealName: r.seal_name, orgName: r.org_name ?? r.org_code, applicantName: r.applicant_name ?? '',
        decidedByName: r.decided_by_name, decidedForName: r.decided_for_name, impressionsAllowed: r.auth_allowed, impressionsMade: st?.made ?? 0,
        lastStampedAt: st?.last ?? null, keeperRecorded: (st?.keeper ?? 0) === 1, deviceId: r.auth_device ?? st?.device ?? null,
        authorizationStatus: (r.auth_status as AuthorizationStatus | null) ?? null, validUntil: r.auth_until,
      };
      return [entry.serialNo, entry] as const;
    }));
    return serialNos.map((s) => bySerial.get(s)).filter((e): e is LedgerEntry => e !== undefined);
  }

  return {
    async search(f) {
      const found = (await serials(f)) ?? [];
      const page = found.slice(0, f.limit);
      const items = await entries(page);
      const last = page[page.length - 1];
      return { items, next: found.length > f.limit && last !== undefined ? encodeCursor([String(last)]) : null };
    },
    async entry(id) {
      const r = await db.selectFrom('applications').select('serial_no').where('id', '=', id).executeTakeFirst();
      return r ? ((await entries([Number(r.serial_no)]))[0] ?? null) : null;
    },
  };
}
