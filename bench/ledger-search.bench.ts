// Ledger (用印登记簿) search at 10,000 and at 1,000,000 entries, through the real repository
// (`tx.ledger.search`). Issue 3 asks that the p95 at a million be at most 3× the p95 at ten
// thousand, on SQLite and on PostgreSQL. The baseline of each entry in results.json is the
// p95 at 10,000 entries; the ratio is p95(1M) / p95(10k).
//
// The ledger is made by one deterministic generator for both sizes: 62 villages of 宁阳县
// (official codes from divisions/), three seals each, a few dozen people per village, the
// matter catalogue plus some of a town's own matters, Chinese reasons, titles and names,
// every status, authorizations and stampings for what was approved and stamped. The
// million continues the same ledger past the ten thousand.
//
// The database is a fresh one with the product's migrations. Each size is loaded in bulk
// (a million would take many minutes row by row): the plain indexes and the search
// triggers of the ledger tables are dropped, rows go in by batches of thousands, then the
// very statements the migrations ran (as the database keeps them: sqlite_master,
// pg_get_indexdef) are run again, the search index is brought up to date, and the run
// fails unless indexes, triggers, constraints and columns are exactly as before the load.
// SQLite gets no ANALYZE, as the product never runs one; PostgreSQL gets VACUUM ANALYZE, as
// autovacuum would do. The searches then run through the product's own connection.
//
// Run: npx tsx bench/ledger-search.bench.ts   (PostgreSQL too when CUNZHANG_TEST_PG_URL is
// set, or when postgres://postgres@127.0.0.1:5432/postgres answers)
import { DEFAULT_MATTERS, searchTerms, type LedgerFilter } from '@cunzhang/core';
import { ensureBuiltinSealTypes, migrateToLatest, openSqlite, openTestDatabase, unitOfWork, type Database, type Dialect } from '@cunzhang/store';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { postgresLoader, sqliteLoader, type Loader } from './ledger-loaders.js';

const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));
const DIVISIONS = fileURLToPath(new URL('../divisions/shandong/villages.csv.gz', import.meta.url));
const SIZES = (process.env.BENCH_LEDGER_SIZES ?? '10000,1000000').split(',').map(Number);
const QUERIES = 250;
const WARMUP = 50;
const PAGE = 50;
/** One application every 75 seconds on average: a million span about two years and a half. */
const STEP_MS = 75_000;
const START = Date.parse('2024-01-01T00:00:00Z');

// Deterministic pseudo-random numbers, so every run fills the same ledger.
let seed = 20261127;
const rand = (): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x80000000;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
/** Skewed pick: early items far more often, like real names and matters. */
const pickSkewed = <T>(xs: readonly T[]): T => xs[Math.floor(rand() ** 2.2 * xs.length)]!;

const SURNAMES = [...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'];
const GIVEN = [...'建国伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝丽阳'];
const personName = (): string => pickSkewed(SURNAMES) + pick(GIVEN) + (rand() < 0.7 ? pick(GIVEN) : '');

const EXTRA_MATTERS = ['cert_low_income', 'cert_land', 'cert_guardian', 'cert_unemployed', 'cert_poverty', 'cert_agri', 'cert_house', 'cert_travel', 'cert_military'];
const MATTERS = [...DEFAULT_MATTERS.map((m) => m.code), ...EXTRA_MATTERS];
const REASONS = [
  '子女入学需要居住证明', '办理低保需要收入证明', '申请建房需要村委会盖章', '外出务工需要无犯罪记录证明', '办理户口迁移', '老人办理养老保险',
  '银行贷款需要收入证明', '子女参军政审需要证明', '办理残疾证需要村里证明', '申请危房改造补助', '土地承包经营权流转备案', '村集体资产租赁合同',
  '报送年度统计报表', '申请农机购置补贴', '办理结婚登记需要婚姻状况证明', '死亡证明用于办理丧葬补助', '学生申请助学金需要家庭经济情况证明',
  '报送防汛工作情况报告', '村道硬化工程请示', '申请临时救助', '宅基地使用证明', '亲属关系证明用于继承公证', '就业登记需要证明', '培训报名表盖章',
];
const TITLES = ['居住证明', '收入证明', '建房申请表', '婚姻状况证明', '亲属关系证明', '死亡证明', '入学证明', '低保申请表', '关于村道硬化的请示',
  '年度统计报表', '土地流转合同', '租赁合同', '救助申请书', '就业证明', '培训报名表', '户口迁移申请', '助学金申请表', '情况说明'];
const OPINIONS = ['同意', '同意，按规定办理', '情况属实，同意盖章', '材料不全，请补充后再申请', '不符合条件，不同意', '同意，请保管人核对原件', '经村委会研究，同意'];
const STATUSES: [string, number][] = [['stamped', 0.62], ['approved', 0.06], ['rejected', 0.08], ['pending', 0.03], ['withdrawn', 0.05], ['expired', 0.1], ['revoked', 0.06]];
const statusOf = (): string => {
  let r = rand();
  for (const [s, p] of STATUSES) if ((r -= p) < 0) return s;
  return 'stamped';
};

interface Village { code: string; name: string; town: string; seals: string[]; keeper: string; approvers: string[]; clerk: string; applicants: string[] }
interface World { villages: Village[]; towns: string[]; leader: string; allApplicants: string[]; names: Map<string, string> }

function villagesOfNingyang(): { code: string; name: string; town: string }[] {
  const rows = gunzipSync(readFileSync(DIVISIONS)).toString('utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  return rows.filter((r) => r[3] === '370921').slice(0, 62).map((r) => ({ code: r[0]!, name: r[1]!, town: r[2]! }));
}

/** Inserts rows into the benchmark database; a bulk load also drops and recreates indexes. */
/**
 * Terms of an application as `searchTerms` makes them, computed once per distinct text:
 * searchTerms is the ordered union without repeats of each text's own terms, and the
 * reasons, titles, names and opinions of the ledger repeat a great deal. Every 101st entry
 * is also checked against searchTerms itself.
 */
const termCache = new Map<string, string[]>();
let termChecks = 0;
function termsOf(...texts: (string | null | undefined)[]): string {
  const all = new Set<string>();
  for (const t of texts) {
    if (!t) continue;
    let own = termCache.get(t);
    if (!own) {
      if (termCache.size > 200_000) termCache.clear();
      own = searchTerms(t).split(' ').filter(Boolean);
      termCache.set(t, own);
    }
    for (const x of own) all.add(x);
  }
  const out = [...all].join(' ');
  if (++termChecks % 101 === 0 && out !== searchTerms(...texts)) throw new Error(`cached search terms differ from searchTerms for ${JSON.stringify(texts)}`);
  return out;
}

let userSeq = 0;
const uid = (): string => `U${String(++userSeq).padStart(9, '0')}`;

async function buildWorld(load: Loader): Promise<World> {
  const vs = villagesOfNingyang();
  const towns = [...new Set(vs.map((v) => v.town))];
  await load.insert('org_units', ['code', 'name', 'level', 'parent_code'], [
    ['370921', '宁阳县', 'county', null],
    ...towns.map((t) => [t, `镇${t.slice(-3)}`, 'town', '370921']),
    ...vs.map((v) => [v.code, v.name, 'village', v.town]),
  ]);
  const users: unknown[][] = [];
  const names = new Map<string, string>();
  const person = (org: string): string => {
    const id = uid();
    names.set(id, personName());
    users.push([id, names.get(id), `enc${id}`, `idx${id}`, 'x', 0, 0, 0, 0, org, '2024-01-01T00:00:00.000Z', 0]);
    return id;
  };
  const leader = person(towns[0]!);
  const villages: Village[] = vs.map((v) => ({
    ...v, keeper: person(v.code), approvers: [person(v.code), person(v.code)], clerk: person(v.code),
    applicants: Array.from({ length: 40 }, () => person(v.code)), seals: [],
  }));
  await load.insert('users', ['id', 'name', 'phone_enc', 'phone_index', 'password_hash', 'totp_enabled', 'failed_logins', 'disabled', 'demo', 'home_org_code', 'created_at', 'totp_last_step'], users);
  const seals: unknown[][] = [];
  for (const v of villages) {
    for (const [type, label] of [['village_committee', '村民委员会'], ['contract', '村民委员会合同专用章'], ['party_branch', '党支部']] as const) {
      const id = `S${v.code}${type.slice(0, 2)}`;
      v.seals.push(id);
      seals.push([id, type, v.code, `${v.name.replace(/委员会$/, '')}${label}`, 'active', '宁阳县人民政府', v.keeper, JSON.stringify(v.approvers),
        type === 'contract' ? v.town : v.code, '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', 1]);
    }
  }
  await load.insert('seals', ['id', 'type_code', 'org_code', 'name', 'status', 'issuing_authority', 'keeper_user_id', 'approver_user_ids', 'custody_org_code', 'created_at', 'updated_at', 'version'], seals);
  return { villages, towns, leader, allApplicants: villages.flatMap((v) => v.applicants), names };
}

const APP_COLUMNS = ['id', 'seal_id', 'org_code', 'matter_code', 'route', 'reason', 'document_title', 'copies', 'impressions', 'applicant_user_id',
  'on_behalf_of_name', 'clerk_user_id', 'contract_words', 'status', 'decided_by', 'decided_for_user_id', 'decided_at', 'opinion', 'created_at',
  'updated_at', 'version', 'serial_no', 'search_terms'];
const AUTH_COLUMNS = ['id', 'application_id', 'seal_id', 'impressions_allowed', 'impressions_used', 'valid_from', 'valid_until', 'status', 'pages', 'created_at', 'version'];
const STAMP_COLUMNS = ['id', 'application_id', 'authorization_id', 'seal_id', 'org_code', 'source', 'impressions', 'stamped_at', 'operator_user_id', 'created_at'];

/** Appends applications numbered from+1 … to, in batches, with their authorizations and stampings. */
async function fill(load: Loader, w: World, from: number, to: number): Promise<void> {
  const BATCH = 10_000;
  for (let start = from; start < to; start += BATCH) {
    const apps: unknown[][] = [];
    const auths: unknown[][] = [];
    const stamps: unknown[][] = [];
    for (let serial = start + 1; serial <= Math.min(to, start + BATCH); serial++) {
      const v = pickSkewed(w.villages);
      const id = `A${String(serial).padStart(10, '0')}`;
      const created = new Date(START + serial * STEP_MS + Math.floor(rand() * 30_000)).toISOString();
      const byClerk = rand() < 0.4;
      const applicant = byClerk ? v.clerk : pick(v.applicants);
      const behalf = byClerk ? personName() : null;
      const status = statusOf();
      const decided = status !== 'pending' && status !== 'withdrawn' && status !== 'expired';
      const deputy = decided && rand() < 0.05;
      const decidedBy = decided ? (deputy ? w.leader : rand() < 0.5 ? v.keeper : pick(v.approvers)) : null;
      const decidedFor = deputy ? v.approvers[0]! : null;
      const reason = pickSkewed(REASONS) + (behalf ? `（${behalf}）` : '');
      const title = pickSkewed(TITLES);
      const opinion = decided ? (status === 'rejected' ? pick(OPINIONS.slice(3, 5)) : pick(OPINIONS)) : null;
      const impressions = 1 + Math.floor(rand() ** 3 * 4);
      apps.push([id, pick(v.seals), v.code, pickSkewed(MATTERS), 'keeper', reason, title, 1 + Math.floor(rand() * 3), impressions, applicant,
        behalf, byClerk ? v.clerk : null, '[]', status, decidedBy, decidedFor, decided ? created : null, opinion, created, created, 1, serial,
        termsOf(reason, title, behalf, w.names.get(applicant), opinion)]);
      if (status === 'stamped' || status === 'approved' || status === 'revoked') {
        const authId = `Z${String(serial).padStart(10, '0')}`;
        const used = status === 'stamped' ? impressions : 0;
        auths.push([authId, id, pick(v.seals), impressions, used, created, new Date(Date.parse(created) + 86_400_000).toISOString(),
          status === 'stamped' ? 'used' : status === 'revoked' ? 'revoked' : 'active', '[]', created, 1]);
        if (status === 'stamped') stamps.push([`T${String(serial).padStart(10, '0')}`, id, authId, pick(v.seals), v.code, rand() < 0.3 ? 'keeper' : 'device', used, created, v.keeper, created]);
      }
    }
    await load.insert('applications', APP_COLUMNS, apps);
    if (auths.length) await load.insert('authorizations', AUTH_COLUMNS, auths);
    if (stamps.length) await load.insert('stampings', STAMP_COLUMNS, stamps);
  }
}

type Query = { kind: string; filter: () => LedgerFilter; secondPage?: boolean };

function queryMix(w: World, size: number, names: string[]): Query[] {
  const all = { scopes: [''], limit: PAGE };
  const span = size * STEP_MS;
  return [
    { kind: 'village', filter: () => ({ ...all, scopes: [pick(w.towns)], orgCode: pick(w.villages).code }) },
    { kind: 'seal', filter: () => ({ ...all, sealId: pick(pick(w.villages).seals) }) },
    {
      kind: 'period', filter: () => {
        const from = START + Math.floor(rand() * 0.95 * span);
        return { ...all, from: new Date(from).toISOString(), to: new Date(from + span / 30).toISOString() };
      },
    },
    { kind: 'applicant', filter: () => ({ ...all, applicantUserId: rand() < 0.3 ? pick(w.villages).clerk : pick(w.allApplicants) }) },
    { kind: 'approver', filter: () => ({ ...all, approverUserId: pick(pick(w.villages).approvers) }) },
    { kind: 'matter', filter: () => ({ ...all, matterCode: pick(MATTERS) }) },
    { kind: 'status', filter: () => ({ ...all, status: pick(STATUSES)[0] as LedgerFilter['status'] }) },
    { kind: 'name', filter: () => ({ ...all, q: pick(names) }) },
    { kind: 'word', filter: () => ({ ...all, q: pick(['证明', '建房', '低保', '合同', '王']) }) },
    { kind: 'page2', filter: () => ({ ...all, scopes: [pick(w.towns)] }), secondPage: true },
  ];
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const round = (n: number, digits = 2) => Number(n.toFixed(digits));

async function measure(db: Database, mix: Query[]): Promise<{ p50: number; p95: number; perKind: Record<string, number> }> {
  const uow = unitOfWork(db);
  const times: number[] = [];
  const perKind: Record<string, number[]> = {};
  for (let i = 0; i < WARMUP + QUERIES; i++) {
    const q = mix[i % mix.length]!;
    let f = q.filter();
    if (q.secondPage) {
      const first = await uow.read((tx) => tx.ledger.search(f));
      if (first.next) f = { ...f, cursor: first.next };
    }
    const t0 = performance.now();
    const page = await uow.read((tx) => tx.ledger.search(f));
    const dt = performance.now() - t0;
    if (page.items.length > PAGE) throw new Error('page too long');
    if (i >= WARMUP) {
      times.push(dt);
      (perKind[q.kind] ??= []).push(dt);
    }
  }
  times.sort((a, b) => a - b);
  const kinds = Object.fromEntries(Object.entries(perKind).map(([k, v]) => [k, round(percentile(v.sort((a, b) => a - b), 95))]));
  return { p50: percentile(times, 50), p95: percentile(times, 95), perKind: kinds };
}

async function reachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

async function benchDialect(dialect: Dialect): Promise<{ p95: number[]; p50: number[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cz-bench-ledger-'));
  // BENCH_LEDGER_KEEP=path keeps the SQLite ledger there, to study query plans afterwards.
  const keep = process.env.BENCH_LEDGER_KEEP;
  const file = keep ?? path.join(dir, 'ledger.db');
  if (keep && existsSync(keep)) throw new Error(`BENCH_LEDGER_KEEP: ${keep} exists; remove it first`);
  // A fresh database with the product's migrations; on SQLite the product's connection is
  // closed while the loader fills the file and reopened (as the product opens it) to search.
  const created = await openTestDatabase(dialect, dialect === 'sqlite' ? { file } : {});
  let searching: Database | null = created;
  const loader = (): Loader => (dialect === 'sqlite' ? sqliteLoader(file) : postgresLoader(created.url!));
  const reopen = async (): Promise<Database> => {
    if (dialect === 'postgres') return created;
    const db = openSqlite(file);
    const applied = await migrateToLatest(db);
    if (applied.length) throw new Error(`the benchmark ledger lacked migrations ${applied.join(', ')}`);
    return db;
  };
  try {
    await ensureBuiltinSealTypes(unitOfWork(created));
    if (dialect === 'sqlite') {
      await created.close();
      searching = null;
    }
    seed = 20261127;
    userSeq = 0;
    termCache.clear();
    let load = loader();
    const world = await buildWorld(load);
    await load.close();
    const names = Array.from({ length: 40 }, () => personName()).filter((n) => n.length === 3);
    const out = { p95: [] as number[], p50: [] as number[] };
    let filled = 0;
    for (const size of SIZES) {
      // Every size is filled the same way: indexes and search triggers dropped, rows in
      // large batches, then the same indexes rebuilt and the search index brought up to date.
      if (dialect === 'sqlite' && searching) {
        await searching.close();
        searching = null;
      }
      const t0 = performance.now();
      load = loader();
      await load.dropIndexes();
      await fill(load, world, filled, size);
      const t1 = performance.now();
      await load.recreateIndexes(filled);
      await load.close();
      filled = size;
      const t2 = performance.now();
      searching = await reopen();
      const r = await measure(searching, queryMix(world, size, names));
      console.log(`${dialect} ${size.toLocaleString('en')} entries (filled in ${((t2 - t0) / 1000).toFixed(0)} s: rows ${((t1 - t0) / 1000).toFixed(0)} s, `
        + `indexes ${((t2 - t1) / 1000).toFixed(0)} s): p50 ${r.p50.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms`);
      console.log(`  p95 by kind: ${JSON.stringify(r.perKind)}`);
      out.p95.push(r.p95);
      out.p50.push(r.p50);
    }
    return out;
  } finally {
    if (dialect === 'postgres') await created.cleanup();
    else await searching?.close();
    if (keep && dialect === 'sqlite') console.log(`kept ${keep}`);
    rmSync(dir, { recursive: true, force: true });
  }
}

const results: Record<string, unknown> = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : {};
// BENCH_LEDGER_DIALECTS=sqlite or =postgres runs one of them only.
const only = process.env.BENCH_LEDGER_DIALECTS;
const dialects: Dialect[] = only === 'postgres' ? [] : ['sqlite'];
const pgUrl = process.env.CUNZHANG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
if (only === 'sqlite') {
  // PostgreSQL left out on request
} else if (await reachable(pgUrl)) {
  process.env.CUNZHANG_TEST_PG_URL = pgUrl;
  dialects.push('postgres');
} else {
  console.log('PostgreSQL not reachable: SQLite only');
}
let failed = false;
for (const dialect of dialects) {
  const r = await benchDialect(dialect);
  const ratio = r.p95[1]! / r.p95[0]!;
  console.log(`${dialect}: p95 ratio 1M/10k = ${ratio.toFixed(2)} (target ≤ 3)`);
  if (ratio > 3) failed = true;
  results[`ledger_search_p95_1m_${dialect}`] = { value: round(r.p95[1]!), unit: 'ms', baseline: round(r.p95[0]!), ratio: round(ratio) };
  results[`ledger_search_p50_1m_${dialect}`] = { value: round(r.p50[1]!), unit: 'ms', baseline: round(r.p50[0]!), ratio: round(r.p50[1]! / r.p50[0]!) };
  // Written after each dialect, so a failure in the next one keeps these figures.
  const current: Record<string, unknown> = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : {};
  for (const k of Object.keys(results)) if (k.startsWith('ledger_search_')) current[k] = results[k];
  writeFileSync(RESULTS, `${JSON.stringify(current, null, 2)}\n`);
  console.log(`written to ${RESULTS}`);
}
if (failed) process.exitCode = 1;
