import { getOrg, importDivisions, listOrgChildren, systemActor, type Actor, type DivisionRow } from '@cunzhang/core';
import { verifyAuditTrail } from '@cunzhang/store';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDivisionsCsv } from '../divisions-csv.js';
import { HESHAN_CSV } from '../server.js';
import { openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { auditCount, auditSince, expectAppError } from './support.js';

const TOWN = '370921113';
const COUNTY = '370921';
const VILLAGE = '370921113201';

let heshan: DivisionRow[];
beforeAll(() => {
  heshan = parseDivisionsCsv(readFileSync(HESHAN_CSV, 'utf8'));
});

/** Two villages of a neighbouring town, to exercise the --town filter. */
const neighbours: DivisionRow[] = [
  { code: '370921114201', name: '东庄村委会', townCode: '370921114', townName: '东疏镇', countyCode: COUNTY, countyName: '宁阳县' },
  { code: '370921114202', name: '西庄村委会', townCode: '370921114', townName: '东疏镇', countyCode: COUNTY, countyName: '宁阳县' },
];

async function orgCount(env: TestEnv): Promise<number> {
  return env.deps.uow.read((tx) => tx.orgs.count());
}

for (const dialect of TEST_DIALECTS) {
  // One database per dialect: the tests run in order, the refusals first on the empty
  // database, then the import and what follows it.
  describe(`division import [${dialect}]`, () => {
    let env: TestEnv;
    const actor = systemActor('cli');
    const townAdmin: Actor = { userId: 'u-admin', ip: '10.0.0.1', grants: [{ id: 'g2', role: 'sys_admin', orgCode: TOWN }] };
    beforeAll(async () => {
      env = await openTestEnv(dialect);
    });
    afterAll(async () => {
      await env?.close();
    });
    const nothingWritten = async (): Promise<void> => {
      expect(await orgCount(env)).toBe(0);
      expect(await auditCount(env.database)).toBe(0);
    };

    it('reads the 46 Heshan villages from the official file', () => {
      expect(heshan).toHaveLength(46);
      expect(new Set(heshan.map((r) => r.code)).size).toBe(46);
      expect(heshan.every((r) => r.townCode === TOWN && r.countyCode === COUNTY)).toBe(true);
    });

    it('refuses a town filter that matches no row, writing nothing', async () => {
      const e = await expectAppError(importDivisions(env.deps, { actor, rows: heshan, town: '370921199' }), 'VALIDATION', 'town');
      expect(e.message).toContain('370921199');
      await nothingWritten();
    });

    it.each([
      ['a village outside its town', { code: '370921114201', townCode: TOWN, countyCode: COUNTY }],
      ['a town outside its county', { code: '370922113201', townCode: '370922113', countyCode: COUNTY }],
    ])('rejects %s with VALIDATION and writes nothing, even for the good rows before it', async (_what, bad) => {
      const rows: DivisionRow[] = [...heshan, { name: '错村', ...bad }];
      const e = await expectAppError(importDivisions(env.deps, { actor, rows }), 'VALIDATION', 'code');
      expect(e.message).toContain(bad.code);
      await nothingWritten();
    });

    it('checks rows handed over directly, not only those read from a file', async () => {
      const rows = [...heshan, { code: '37092111320', name: '短码村', townCode: TOWN, countyCode: COUNTY }];
      await expectAppError(importDivisions(env.deps, { actor, rows }), 'VALIDATION', 'code');
      await nothingWritten();
    });

    it('needs org.import on every unit it writes', async () => {
      const clerk: Actor = { userId: 'u-clerk', ip: '10.0.0.1', grants: [{ id: 'g1', role: 'service_clerk', orgCode: VILLAGE }] };
      await expectAppError(importDivisions(env.deps, { actor: clerk, rows: heshan }), 'FORBIDDEN');
      await expectAppError(importDivisions(env.deps, { actor: townAdmin, rows: neighbours }), 'FORBIDDEN');
      // A town's administrator cannot create the town and county above it either.
      await expectAppError(importDivisions(env.deps, { actor: townAdmin, rows: heshan }), 'FORBIDDEN');
      await nothingWritten();
    });

    it('imports 46 villages plus the town and the county, each audited once', async () => {
      const r = await importDivisions(env.deps, { actor, rows: heshan });
      expect(r).toEqual({ inserted: 48, updated: 0, unchanged: 0 });
      expect(await orgCount(env)).toBe(48);

      const town = await env.deps.uow.read((tx) => tx.orgs.get(TOWN));
      expect(town).toEqual({ code: TOWN, name: '鹤山镇', level: 'town', parentCode: COUNTY });
      expect(await env.deps.uow.read((tx) => tx.orgs.get(COUNTY))).toEqual({ code: COUNTY, name: '宁阳县', level: 'county', parentCode: '3709' });
      expect(await env.deps.uow.read((tx) => tx.orgs.get(VILLAGE))).toEqual({ code: VILLAGE, name: '前鹤山村委会', level: 'village', parentCode: TOWN });
      const villages = await env.deps.uow.read((tx) => tx.orgs.children(TOWN));
      expect(villages.map((v) => v.code)).toEqual(heshan.map((r) => r.code).sort());
      expect(villages.every((v) => v.level === 'village')).toBe(true);

      const entries = await auditSince(env.deps, 0);
      expect(entries).toHaveLength(48);
      expect(entries.every((e) => e.action === 'ORG_IMPORTED' && e.before === null && e.actorId === 'system' && e.ip === 'cli')).toBe(true);
      expect(new Set(entries.map((e) => e.targetId)).size).toBe(48);
      expect(entries.find((e) => e.targetId === VILLAGE)?.after).toEqual({ code: VILLAGE, name: '前鹤山村委会', level: 'village', parentCode: TOWN });
      expect(await verifyAuditTrail(env.database)).toMatchObject({ ok: true, checked: 48 });
    });

    it('is idempotent: importing the same rows again changes and audits nothing', async () => {
      const before = await auditCount(env.database);
      expect(await importDivisions(env.deps, { actor, rows: heshan })).toEqual({ inserted: 0, updated: 0, unchanged: 48 });
      expect(await importDivisions(env.deps, { actor, rows: heshan, town: TOWN })).toEqual({ inserted: 0, updated: 0, unchanged: 48 });
      expect(await auditCount(env.database)).toBe(before);
      expect(await orgCount(env)).toBe(48);
    });

    it('keeps a known town name when a row names the town only by code', async () => {
      const before = await auditCount(env.database);
      const bare = heshan.map(({ townName: _t, countyName: _c, ...r }) => r);
      expect(await importDivisions(env.deps, { actor, rows: bare })).toEqual({ inserted: 0, updated: 0, unchanged: 48 });
      expect((await env.deps.uow.read((tx) => tx.orgs.get(TOWN)))?.name).toBe('鹤山镇');
      expect(await auditCount(env.database)).toBe(before);
    });

    it('renames a village, auditing the old and the new name once', async () => {
      const seq = await auditCount(env.database);
      const renamed = heshan.map((r) => (r.code === VILLAGE ? { ...r, name: '前鹤山社区居委会' } : r));
      expect(await importDivisions(env.deps, { actor, rows: renamed })).toEqual({ inserted: 0, updated: 1, unchanged: 47 });
      expect((await env.deps.uow.read((tx) => tx.orgs.get(VILLAGE)))?.name).toBe('前鹤山社区居委会');
      const entries = await auditSince(env.deps, seq);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        action: 'ORG_IMPORTED', targetType: 'org', targetId: VILLAGE, orgCode: VILLAGE,
        before: { name: '前鹤山村委会' }, after: { name: '前鹤山社区居委会' },
      });
      expect(await importDivisions(env.deps, { actor, rows: renamed })).toEqual({ inserted: 0, updated: 0, unchanged: 48 });
      expect(await auditCount(env.database)).toBe(seq + 1);
    });

    it("does not let a town's administrator rename the county through the file", async () => {
      const seq = await auditCount(env.database);
      // Renaming a village of their own town is theirs to do …
      const own = heshan.map((r) => (r.code === VILLAGE ? { ...r, name: '前鹤山村' } : r));
      expect(await importDivisions(env.deps, { actor: townAdmin, rows: own })).toMatchObject({ updated: 1 });
      // … renaming the county above them is not, and nothing of that file is written.
      const county = own.map((r) => ({ ...r, name: `${r.name}新`, countyName: '改名县' }));
      await expectAppError(importDivisions(env.deps, { actor: townAdmin, rows: county }), 'FORBIDDEN');
      expect((await env.deps.uow.read((tx) => tx.orgs.get(COUNTY)))?.name).toBe('宁阳县');
      expect((await env.deps.uow.read((tx) => tx.orgs.get(VILLAGE)))?.name).toBe('前鹤山村');
      expect(await auditCount(env.database)).toBe(seq + 1);
    });

    it('imports only the rows of the town asked for', async () => {
      const seq = await auditCount(env.database);
      const r = await importDivisions(env.deps, { actor, rows: [...neighbours, ...heshan], town: TOWN });
      expect(r).toEqual({ inserted: 0, updated: 1, unchanged: 47 }); // 前鹤山村 gets its official name back
      expect(await env.deps.uow.read((tx) => tx.orgs.get('370921114'))).toBeNull();
      expect(await env.deps.uow.read((tx) => tx.orgs.get('370921114201'))).toBeNull();
      // Without the filter both towns come in, sharing the county.
      expect(await importDivisions(env.deps, { actor, rows: [...neighbours, ...heshan] })).toEqual({ inserted: 3, updated: 0, unchanged: 48 });
      expect((await env.deps.uow.read((tx) => tx.orgs.children(COUNTY))).map((u) => u.code)).toEqual([TOWN, '370921114']);
      expect(await auditCount(env.database)).toBe(seq + 4);
    });

    it('shows each actor the units of their grants and the chain above them, nothing beside', async () => {
      const keeper: Actor = { userId: 'u-k', ip: '10.0.0.1', grants: [{ id: 'g', role: 'seal_keeper', orgCode: VILLAGE }] };
      expect((await listOrgChildren(env.deps, { actor: keeper, parent: COUNTY })).map((u) => u.code)).toEqual([TOWN]);
      expect((await listOrgChildren(env.deps, { actor: keeper, parent: TOWN })).map((u) => u.code)).toEqual([VILLAGE]);
      expect((await getOrg(env.deps, { actor: keeper, code: TOWN })).name).toBe('鹤山镇');
      await expectAppError(getOrg(env.deps, { actor: keeper, code: '370921113202' }), 'NOT_FOUND', 'code');
      await expectAppError(getOrg(env.deps, { actor: keeper, code: '370921114' }), 'NOT_FOUND', 'code');
      await expectAppError(getOrg(env.deps, { actor: keeper, code: '370921113299' }), 'NOT_FOUND', 'code');
      const officer: Actor = { userId: 'u-o', ip: '10.0.0.1', grants: [{ id: 'g', role: 'station_officer', orgCode: TOWN }] };
      expect(await listOrgChildren(env.deps, { actor: officer, parent: TOWN })).toHaveLength(46);
      expect((await listOrgChildren(env.deps, { actor: officer, parent: COUNTY })).map((u) => u.code)).toEqual([TOWN]);
    });
  });
}

describe('division CSV parsing', () => {
  const header = 'code,name,town_code,town,county_code,county';

  it('reads the official layout, with a BOM, CRLF line ends and quoted names', () => {
    const text = `\uFEFF${header}\r\n370921113201,"前鹤山村委会, ""东片""",370921113,鹤山镇,370921,宁阳县\r\n\r\n`;
    expect(parseDivisionsCsv(text)).toEqual([
      { code: '370921113201', name: '前鹤山村委会, "东片"', townCode: '370921113', townName: '鹤山镇', countyCode: '370921', countyName: '宁阳县' },
    ]);
  });

  it('reads the province layout without names of town and county', () => {
    expect(parseDivisionsCsv('code,name,town_code,county_code\n370921113201,前鹤山村委会,370921113,370921\n')).toEqual([
      { code: '370921113201', name: '前鹤山村委会', townCode: '370921113', countyCode: '370921' },
    ]);
  });

  it.each([
    ['an 11-digit village code', '37092111320,前鹤山村委会,370921113,鹤山镇,370921,宁阳县', 'code'],
    ['an empty name', '370921113201,,370921113,鹤山镇,370921,宁阳县', 'name'],
    ['a bad town code', '370921113201,前鹤山村委会,3709211,鹤山镇,370921,宁阳县', 'town_code'],
    ['a bad county code', '370921113201,前鹤山村委会,370921113,鹤山镇,37092X,宁阳县', 'county_code'],
  ])('names the line and the field of %s', (_what, bad, field) => {
    const text = `${header}\n370921113202,后鹤山村委会,370921113,鹤山镇,370921,宁阳县\n${bad}\n`;
    try {
      parseDivisionsCsv(text);
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'VALIDATION', field, details: { line: 3 } });
      expect((e as Error).message).toMatch(new RegExp(`^line 3: ${field}: `));
    }
  });

  it('counts blank lines when naming the line of a bad row', () => {
    const text = `${header}\n\n370921113202,后鹤山村委会,370921113,鹤山镇,370921,宁阳县\n\n37092111320,前鹤山村委会,370921113,鹤山镇,370921,宁阳县\n`;
    expect(() => parseDivisionsCsv(text)).toThrow(/^line 5: code: /);
  });

  it('names a missing column on line 1, and refuses an empty file', () => {
    expect(() => parseDivisionsCsv('code,name,county_code\n')).toThrow(/line 1: missing column "town_code"/);
    expect(() => parseDivisionsCsv('\n\n')).toThrow(/empty/);
  });
});
