import type { Application, LedgerEntry, LedgerFilter, Seal, UnitOfWork, User } from '@cunzhang/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltinSealTypes } from './seed-types.js';
import { openTestDatabase, TEST_DIALECTS, type TestDatabase } from './testing.js';
import { unitOfWork } from './unit-of-work.js';

const TOWN = '370921113';
const V1 = '370921113201';
const V2 = '370921113202';
const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const at = (hours: number): string => new Date(T0 + hours * 3_600_000).toISOString();

const user = (id: string, name: string, home = V1): User => ({
  id, name, phoneEnc: `enc-${id}`, phoneIndex: `idx-${id}`, idNumberEnc: null, passwordHash: 'h', totpSecretEnc: null,
  totpEnabled: false, totpLastStep: 0, failedLogins: 0, lockedUntil: null, disabled: false, demo: false, homeOrgCode: home, createdAt: at(0),
});

const seal = (id: string, orgCode: string, name: string): Seal => ({
  id, typeCode: 'village_committee', orgCode, name, status: 'active', issuingAuthority: '鹤山镇人民政府', filingNumber: null,
  activatedAt: null, keeperUserId: 'k1', approverUserIds: ['p1'], custodyOrgCode: orgCode, impressionBlob: null, deviceId: null,
  createdAt: at(0), updatedAt: at(0), version: 1,
});

let n = 0;
const app = (patch: Partial<Application>): Application => {
  n += 1;
  return {
    id: `app${String(n).padStart(3, '0')}`, sealId: 's1', orgCode: V1, matterCode: 'cert_residence', route: 'keeper', reason: '子女入学需要居住证明',
    documentTitle: '居住证明', copies: 1, impressions: 1, applicantUserId: 'a1', onBehalfOfName: null, clerkUserId: null, contractWords: [],
    resolutionBlob: null, status: 'pending', decidedBy: null, decidedForUserId: null, decidedAt: null, opinion: null,
    pages: [{ pageNo: 1, blobKey: 'b'.repeat(64), thumbKey: 'c'.repeat(64), sm3: 'b'.repeat(64), phash: 'b'.repeat(16) }],
    remindedAt: null, createdAt: at(n), updatedAt: at(n), version: 1, ...patch,
  };
};

for (const dialect of TEST_DIALECTS) {
  describe(`ledger search [${dialect}]`, () => {
    let database: TestDatabase;
    let uow: UnitOfWork;
    const ids: Record<string, string> = {};
    const search = (f: Partial<LedgerFilter>) => uow.read((tx) => tx.ledger.search({ scopes: [''], limit: 100, ...f }));
    const found = async (f: Partial<LedgerFilter>): Promise<string[]> => (await search(f)).items.map((e) => e.id);
    /** Every entry the filter finds, page by page, checking no page repeats or skips one. */
    const allPages = async (f: Partial<LedgerFilter>, limit: number): Promise<LedgerEntry[]> => {
      const out: LedgerEntry[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 100; i++) {
        const page = await search({ ...f, limit, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(limit);
        out.push(...page.items);
        if (!page.next) break;
        expect(page.items).toHaveLength(limit);
        cursor = page.next;
      }
      return out;
    };

    beforeAll(async () => {
      n = 0;
      database = await openTestDatabase(dialect);
      uow = unitOfWork(database);
      await ensureBuiltinSealTypes(uow);
      await uow.write(async (tx) => {
        for (const [code, level, parentCode] of [['370921', 'county', '3709'], [TOWN, 'town', '370921'], [V1, 'village', TOWN], [V2, 'village', TOWN]] as const) {
          await tx.orgs.upsert({ code, name: ({ [V1]: '前鹤山村', [V2]: '后鹤山村' } as Record<string, string>)[code] ?? code, level, parentCode });
        }
        for (const u of [user('a1', '张村民'), user('a2', '刘二'), user('c1', '李经办'), user('k1', '王保管'), user('p1', '赵书记'), user('p2', '钱主任', V2), user('d1', '周镇长')]) {
          await tx.users.insert(u);
        }
        for (const s of [seal('s1', V1, '前鹤山村民委员会'), seal('s2', V1, '前鹤山村党支部'), seal('s3', V2, '后鹤山村民委员会')]) await tx.seals.insert(s);
        const put = async (key: string, a: Application) => {
          ids[key] = a.id;
          await tx.applications.insert(a);
        };
        await put('plain', app({}));
        await put('seal2', app({ sealId: 's2', matterCode: 'report', reason: '报送年度统计报表', documentTitle: '统计年报 2025' }));
        await put('v2', app({ sealId: 's3', orgCode: V2, applicantUserId: 'a2', reason: '申请建房', documentTitle: '建房申请表', status: 'approved', decidedBy: 'p2', decidedAt: at(20), opinion: '同意' }));
        await put('clerk', app({ applicantUserId: 'c1', clerkUserId: 'c1', onBehalfOfName: '王建国', reason: '办理低保需要收入证明', documentTitle: '收入证明', matterCode: 'cert_income' }));
        // Filed by the clerk for somebody who has an account: found under either person.
        await put('clerkFor', app({ applicantUserId: 'a2', clerkUserId: 'c1', onBehalfOfName: '刘二', reason: '户口迁移', documentTitle: '迁移申请' }));
        await put('decided', app({ status: 'stamped', decidedBy: 'p1', decidedAt: at(30), opinion: '情况属实，同意盖章' }));
        await put('deputy', app({ status: 'rejected', decidedBy: 'd1', decidedForUserId: 'p1', decidedAt: at(31), opinion: '材料不全', reason: '银行贷款需要证明' }));
        await put('late', app({ matterCode: 'cert_death', reason: '死亡证明用于办理丧葬补助', documentTitle: '死亡证明', createdAt: at(100), updatedAt: at(100) }));
        for (let i = 0; i < 9; i++) await put(`bulk${i}`, app({ reason: `第${i}批材料盖章`, documentTitle: '情况说明', createdAt: at(200 + i), updatedAt: at(200 + i) }));
      });
    });
    afterAll(async () => {
      await database?.cleanup();
    });

    it('lists everything newest first by serial number, names resolved', async () => {
      const { items } = await search({});
      expect(items).toHaveLength(17);
      expect(items.map((e) => e.serialNo)).toEqual([...items.map((e) => e.serialNo)].sort((a, b) => b - a));
      const v2 = items.find((e) => e.id === ids.v2)!;
      expect(v2).toMatchObject({ sealName: '后鹤山村民委员会', orgName: '后鹤山村', applicantName: '刘二', decidedByName: '钱主任', impressionsMade: 0, keeperRecorded: false, pages: [{ pageNo: 1 }] });
      const deputy = items.find((e) => e.id === ids.deputy)!;
      expect(deputy).toMatchObject({ decidedByName: '周镇长', decidedForName: '赵书记' });
    });

    it('filters by scope and unit: a village sees only its own', async () => {
      expect(await found({ scopes: [V2] })).toEqual([ids.v2]);
      expect(await found({ orgCode: V2 })).toEqual([ids.v2]);
      expect((await found({ orgCode: V1 })).length).toBe(16);
      expect((await found({ scopes: [TOWN] })).length).toBe(17);
      expect(await found({ scopes: [V2], orgCode: V1 })).toEqual([]);
      expect(await found({ scopes: [] })).toEqual([]);
    });

    it('filters by seal, matter and status', async () => {
      expect(await found({ sealId: 's2' })).toEqual([ids.seal2]);
      expect(await found({ matterCode: 'cert_income' })).toEqual([ids.clerk]);
      expect(await found({ status: 'stamped' })).toEqual([ids.decided]);
      expect(await found({ status: 'approved', orgCode: V2 })).toEqual([ids.v2]);
    });

    it('filters by period of filing', async () => {
      expect(await found({ from: at(100), to: at(101) })).toEqual([ids.late]);
      expect((await found({ from: at(200) })).length).toBe(9);
      expect(await found({ to: at(2) })).toEqual([ids.plain]);
      expect(await found({ from: at(500) })).toEqual([]);
    });

    it('filters by applicant (or the clerk who filed) and by approver (or the one stood in for)', async () => {
      expect(await found({ applicantUserId: 'c1' })).toEqual([ids.clerkFor, ids.clerk]);
      expect(await found({ applicantUserId: 'a2' })).toEqual([ids.clerkFor, ids.v2]);
      expect(await found({ approverUserId: 'p1' })).toEqual([ids.deputy, ids.decided]);
      expect(await found({ approverUserId: 'd1' })).toEqual([ids.deputy]);
      expect(await found({ approverUserId: 'p1', applicantUserId: 'c1' })).toEqual([]);
      expect(await found({ approverUserId: 'p2', scopes: [V1] })).toEqual([]);
    });

    it('searches free text in Chinese: a surname, a word, a full name, the applicant, the opinion, latin and digits', async () => {
      expect(await found({ q: '王' })).toEqual([ids.clerk]); // 王建国 on whose behalf the clerk filed
      expect(await found({ q: '王建国' })).toEqual([ids.clerk]);
      expect(await found({ q: '建国王' })).toEqual([]);
      expect((await found({ q: '证明' })).sort()).toEqual([ids.plain, ids.clerk, ids.decided, ids.deputy, ids.late].sort());
      expect(await found({ q: '证明', orgCode: V1, status: 'rejected' })).toEqual([ids.deputy]);
      expect(await found({ q: '刘二' })).toEqual([ids.clerkFor, ids.v2]); // applicant's name, and a villager's
      expect(await found({ q: '属实' })).toEqual([ids.decided]);
      expect(await found({ q: '2025' })).toEqual([ids.seal2]);
      expect(await found({ q: '报表 2025' })).toEqual([ids.seal2]);
      expect(await found({ q: '建房', sealId: 's3' })).toEqual([ids.v2]);
      expect(await found({ q: '建房', sealId: 's1' })).toEqual([]);
      expect(await found({ q: '证明', applicantUserId: 'c1' })).toEqual([ids.clerk]);
    });

    it('keeps the search terms up to date when an opinion is written', async () => {
      expect(await found({ q: '补充材料' })).toEqual([]);
      const a = (await uow.read((tx) => tx.applications.get(ids.plain!)))!;
      await uow.write((tx) => tx.applications.update(a.id, a.version, { status: 'rejected', decidedBy: 'p1', decidedAt: at(300), opinion: '请补充材料' }));
      expect(await found({ q: '补充材料' })).toEqual([ids.plain]);
      expect(await found({ q: '补充材料', approverUserId: 'p1' })).toEqual([ids.plain]);
      await uow.write((tx) => tx.applications.update(a.id, a.version + 1, { opinion: '不同意' }));
      expect(await found({ q: '补充材料' })).toEqual([]);
      expect(await found({ q: '不同意' })).toEqual([ids.plain]);
    });

    it('pages by keyset without repeating or skipping an entry, with any filter', async () => {
      const every = (await search({})).items.map((e) => e.id);
      for (const [f, expected] of [
        [{}, every],
        [{ orgCode: V1 }, every.filter((id) => id !== ids.v2)],
        [{ q: '情况' }, (await found({ q: '情况' }))],
        [{ applicantUserId: 'a1' }, (await found({ applicantUserId: 'a1' }))],
        [{ from: at(150) }, (await found({ from: at(150) }))],
      ] as [Partial<LedgerFilter>, string[]][]) {
        expect(expected.length).toBeGreaterThan(4);
        for (const limit of [1, 2, 4]) expect((await allPages(f, limit)).map((e) => e.id)).toEqual(expected);
      }
    });

    it('reads one entry with the impressions made and how they were recorded', async () => {
      const id = ids.decided!;
      await uow.write(async (tx) => {
        await tx.applications.insertAuthorization({
          id: 'z1', applicationId: id, sealId: 's1', deviceId: null, impressionsAllowed: 3, impressionsUsed: 3, validFrom: at(30), validUntil: at(40),
          status: 'used', revokedAt: null, pages: [], createdAt: at(30), version: 1,
        });
        for (const [sid, k, source] of [['st1', 1, 'keeper'], ['st2', 2, 'device']] as const) {
          await tx.stampings.insert({
            id: sid, applicationId: id, authorizationId: 'z1', sealId: 's1', orgCode: V1, source, impressions: k, stampedAt: at(31 + k),
            operatorUserId: 'k1', deviceId: source === 'device' ? 'DEV-1' : null, latitude: null, longitude: null, photoKey: null, thumbKey: null,
            sm3: null, phash: null, matchedPageNo: null, phashDistance: null, note: null, createdAt: at(31 + k),
            deviceSeq: source === 'device' ? k : null, receivedAt: null, beforeKey: null, flags: [],
          });
        }
      });
      const e = await uow.read((tx) => tx.ledger.entry(id));
      expect(e).toMatchObject({ id, impressionsAllowed: 3, impressionsMade: 3, lastStampedAt: at(33), keeperRecorded: true, authorizationStatus: 'used', validUntil: at(40) });
      expect((await uow.read((tx) => tx.stampings.forApplication(id))).map((s) => s.id)).toEqual(['st1', 'st2']);
      expect(await uow.read((tx) => tx.ledger.entry('nope'))).toBeNull();
    });
  });
}
