import type { MatterRecord, MatterRepo, Route } from '@cunzhang/core';
import { flag, type Ctx } from './common.js';

export function matterRepo({ db }: Ctx): MatterRepo {
  return {
    async forTown(townCode) {
      const rows = await db.selectFrom('matters').selectAll().where('town_code', '=', townCode).orderBy('sort_order').orderBy('code').execute();
      return rows.map((r): MatterRecord => ({
        townCode: r.town_code, code: r.code, nameZh: r.name_zh, nameEn: r.name_en, route: r.route as Route, enabled: r.enabled === 1,
        sortOrder: r.sort_order, updatedAt: r.updated_at,
      }));
    },
    async upsert(m) {
      const row = { name_zh: m.nameZh, name_en: m.nameEn, route: m.route, enabled: flag(m.enabled), sort_order: m.sortOrder, updated_at: m.updatedAt };
      await db.insertInto('matters').values({ town_code: m.townCode, code: m.code, ...row })
        .onConflict((oc) => oc.columns(['town_code', 'code']).doUpdateSet(row)).execute();
    },
  };
}
