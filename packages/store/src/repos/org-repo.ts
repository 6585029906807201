import type { OrgLevel, OrgRepo, OrgUnit } from '@cunzhang/core';
import type { OrgUnitsTable } from '../schema.js';
import type { Ctx } from './common.js';

const toOrg = (r: OrgUnitsTable): OrgUnit => ({ code: r.code, name: r.name, level: r.level as OrgLevel, parentCode: r.parent_code });

export function orgRepo({ db }: Ctx): OrgRepo {
  return {
    async get(code) {
      const r = await db.selectFrom('org_units').selectAll().where('code', '=', code).executeTakeFirst();
      return r ? toOrg(r) : null;
    },
    async children(parent) {
      const q = db.selectFrom('org_units').selectAll();
      const rows = await (parent === null ? q.where('parent_code', 'is', null) : q.where('parent_code', '=', parent)).orderBy('code').execute();
      return rows.map(toOrg);
    },
    async upsert(u) {
      const existing = await db.selectFrom('org_units').selectAll().where('code', '=', u.code).executeTakeFirst();
      if (!existing) {
        await db.insertInto('org_units').values({ code: u.code, name: u.name, level: u.level, parent_code: u.parentCode }).execute();
        return 'inserted';
      }
      if (existing.name === u.name && existing.parent_code === u.parentCode && existing.level === u.level) return 'unchanged';
      await db.updateTable('org_units').set({ name: u.name, level: u.level, parent_code: u.parentCode }).where('code', '=', u.code).execute();
      return 'updated';
    },
    async count() {
      const r = await db.selectFrom('org_units').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}
