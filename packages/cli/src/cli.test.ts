import { login } from '@cunzhang/core';
import { HESHAN_CSV, loadConfig, openRuntime, REPO_ROOT } from '@cunzhang/server';
import { openSqlite, openTestDatabase, TEST_DIALECTS, type Database, type TestDatabase } from '@cunzhang/store';
import { sql } from 'kysely';
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, count, tmp } from './cli-test-support.js';

const HEADER = 'code,name,town_code,town,county_code,county';

for (const dialect of TEST_DIALECTS) {
  describe(`cunzhang import-divisions and verify (${dialect})`, () => {
    let env: Record<string, string>;
    let pg: TestDatabase | null = null;
    let dir: string;
    /** The database the commands work on, opened beside them. */
    let db: Database | undefined;
    const database = (): Database => (db ??= pg ?? openSqlite(path.join(dir, 'cunzhang.db')));

    beforeAll(async () => {
      dir = await tmp('import');
      env = { CUNZHANG_DATA_DIR: dir, CUNZHANG_DEMO: 'false', CUNZHANG_LOG_LEVEL: 'silent' };
      if (dialect === 'postgres') {
        pg = await openTestDatabase('postgres');
        env.CUNZHANG_DATABASE_URL = pg.url!;
      }
    });
    afterAll(async () => {
      if (dialect === 'sqlite') await db?.close();
      await pg?.cleanup();
    });

    it('imports the Heshan file, then again with "0 new" and nothing appended to the trail', async () => {
      const first = await cli(['import-divisions', HESHAN_CSV], env);
      expect(first.err).toBe('');
      expect(first.code).toBe(0);
      expect(first.out).toBe(`imported ${HESHAN_CSV}: 48 new, 0 renamed, 0 unchanged units`);
      expect(await count(database(), 'org_units')).toBe(48);
      const audit = await count(database(), 'audit_log');
      const again = await cli(['import-divisions', HESHAN_CSV], env);
      expect(again.code).toBe(0);
      expect(again.out).toMatch(/: 0 new, 0 renamed, 48 unchanged units$/);
      expect(await count(database(), 'audit_log')).toBe(audit);
    });

    it('--town keeps only that town\'s rows, from the gzipped province file too', async () => {
      const file = path.join(dir, 'two-towns.csv');
      await writeFile(file, [HEADER,
        '370921113201,前鹤山村委会,370921113,鹤山镇,370921,宁阳县',
        '370921101001,东关社区,370921101,文庙街道,370921,宁阳县',
        '370921101002,西关社区,370921101,文庙街道,370921,宁阳县',
      ].join('\n'));
      expect((await cli(['import-divisions', HESHAN_CSV], env)).code).toBe(0);
      const r = await cli(['import-divisions', file, '--town', '370921101'], env);
      expect(r.code, r.err).toBe(0);
      // The town and its two villages are new; the county was there; the Heshan row was skipped.
      expect(r.out).toMatch(/: 3 new, 0 renamed, 1 unchanged units$/);
      const codes = (await database().db.selectFrom('org_units').select('code').where('code', 'like', '370921101%').orderBy('code').execute()).map((o) => o.code);
      expect(codes).toEqual(['370921101', '370921101001', '370921101002']);
      const province = path.join(REPO_ROOT, 'divisions', 'shandong', 'villages.csv.gz');
      const p = await cli(['import-divisions', province, '--town', '370921113'], env);
      expect(p.code, p.err).toBe(0);
      expect(p.out.split('\n').at(-1)).toBe(`imported ${province}: 0 new, 0 renamed, 48 unchanged units`);
      const bad = await cli(['import-divisions', file, '--town', '3709'], env);
      expect(bad.code).toBe(2);
      expect(bad.err).toContain('--town 3709: a town code has 9 digits');
      const none = await cli(['import-divisions', file, '--town', '370921999'], env);
      expect(none.code).toBe(1);
      expect(none.err).toContain('no rows belong to town 370921999');
    });

    it('names the towns and counties of the province file from towns.csv and counties.csv beside it', async () => {
      const province = path.join(REPO_ROOT, 'divisions', 'shandong', 'villages.csv.gz');
      const r = await cli(['import-divisions', province, '--town', '370921102'], env);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain('towns.csv and counties.csv');
      const names = await database().db.selectFrom('org_units').select(['code', 'name']).where('code', 'in', ['370921102', '370921']).orderBy('code').execute();
      expect(names).toEqual([{ code: '370921', name: '宁阳县' }, { code: '370921102', name: '东疏镇' }]);
    });

    it('a file that cannot be read is exit 2 with a clear message', async () => {
      const r = await cli(['import-divisions', path.join(dir, 'missing.csv')], env);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^cunzhang import-divisions: cannot read .*missing\.csv: ENOENT\n$/);
      const notGz = path.join(dir, 'plain.csv.gz');
      await writeFile(notGz, 'not gzip at all');
      const g = await cli(['import-divisions', notGz], env);
      expect(g.code).not.toBe(0);
      expect(g.err.trim().split('\n')).toHaveLength(1);
      expect(g.err).not.toMatch(/\n\s+at /);
    });

    it('a CSV with a bad row is exit 1 naming the line, and imports nothing', async () => {
      const before = await count(database(), 'org_units');
      const file = path.join(dir, 'bad-row.csv');
      await writeFile(file, [HEADER,
        '370921113201,前鹤山村委会,370921113,鹤山镇,370921,宁阳县',
        '370921113202,后鹤山村委会,370921113,鹤山镇,370921,宁阳县',
        '37092111320X,坏行,370921113,鹤山镇,370921,宁阳县',
      ].join('\n'));
      const r = await cli(['import-divisions', file], env);
      expect(r.code).toBe(1);
      expect(r.err).toBe('cunzhang import-divisions: line 4: code: a village unit code has 12 digits\n');
      const noColumn = path.join(dir, 'no-column.csv');
      await writeFile(noColumn, 'code,name\n370921113201,前鹤山村委会\n');
      const c = await cli(['import-divisions', noColumn], env);
      expect(c.code).toBe(1);
      expect(c.err).toContain('line 1: missing column "town_code"');
      expect(await count(database(), 'org_units')).toBe(before);
    });

    it('verify is exit 0 on an intact trail', async () => {
      const r = await cli(['verify'], env);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^audit trail intact: \d+ entries, head [0-9a-f]{64}$/);
    });

    it('verify is exit 1 naming the entry after a row is changed in the database behind the product\'s back', async () => {
      const entries = await count(database(), 'audit_log');
      const seq = Math.ceil(entries / 2);
      if (dialect === 'sqlite') {
        await sql`drop trigger audit_log_no_update`.execute(database().db);
      } else {
        await sql`alter table audit_log disable trigger audit_log_no_change`.execute(database().db);
      }
      await sql`update audit_log set after_json = ${JSON.stringify({ name: '篡改' })} where seq = ${seq}`.execute(database().db);
      const r = await cli(['verify'], env);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(new RegExp(`^audit trail BROKEN at entry ${seq}: `));
      expect(r.out).toContain(`(${seq - 1} entries before it are intact)`);
    });
  });
}

describe('cunzhang add-user, migrate, totp-code and usage errors', () => {
  let env: Record<string, string>;
  beforeAll(async () => {
    env = { CUNZHANG_DATA_DIR: await tmp('users'), CUNZHANG_DEMO: 'false', CUNZHANG_LOG_LEVEL: 'silent' };
  });

  it('migrate applies the schema once, then finds it up to date', async () => {
    const first = await cli(['migrate'], env);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/^applied 001-foundation(, \d{3}-[a-z0-9-]+)*$/);
    expect((await cli(['migrate'], env)).out).toBe('schema is up to date');
  });

  it('add-user creates an account that can log in, with the password from CUNZHANG_NEW_PASSWORD', async () => {
    expect((await cli(['import-divisions', HESHAN_CSV], env)).code).toBe(0);
    const r = await cli(['add-user', '--phone', '13912340001', '--name', '刘站长', '--org', '370921113', '--role', 'station_officer'], { ...env, CUNZHANG_NEW_PASSWORD: 'Zhan-zhang2026' });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^created 刘站长 \(139\*\*\*\*0001\) as station_officer on 370921113; id [0-9A-Z]{26}$/);
    const admin = await cli(['add-user', '--phone', '13912340002', '--name', '钱管理', '--org', '370921113', '--role', 'sys_admin'], { ...env, CUNZHANG_NEW_PASSWORD: 'Guan-li2026!' });
    expect(admin.code, admin.err).toBe(0);
    expect(admin.out).toContain('set up a TOTP second factor at their first login');
    const rt = await openRuntime(loadConfig(env));
    try {
      expect((await login(rt.deps, { input: { phone: '13912340001', password: 'Zhan-zhang2026' }, ip: 'test' })).stage).toBe('full');
      expect((await login(rt.deps, { input: { phone: '13912340002', password: 'Guan-li2026!' }, ip: 'test' })).stage).toBe('enrol');
      await expect(login(rt.deps, { input: { phone: '13912340001', password: 'wrong-password' }, ip: 'test' })).rejects.toThrow('wrong phone number or password');
    } finally {
      await rt.close();
    }
  });

  it('add-user refuses bad input clearly', async () => {
    const pw = { ...env, CUNZHANG_NEW_PASSWORD: 'Passw0rd!x' };
    const args = (over: Record<string, string>) => Object.entries({ phone: '13912340009', name: '某人', org: '370921113', role: 'station_officer', ...over }).flatMap(([k, v]) => [`--${k}`, v]);
    const missing = await cli(['add-user', '--phone', '13912340009', '--name', '某人', '--org', '370921113'], pw);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--role is required');
    const role = await cli(['add-user', ...args({ role: 'mayor' })], pw);
    expect(role.code).toBe(2);
    expect(role.err).toContain('--role mayor: not a role');
    const weak = await cli(['add-user', ...args({})], { ...env, CUNZHANG_NEW_PASSWORD: 'short' });
    expect(weak.code).toBe(1);
    expect(weak.err).toContain('password needs at least 8 characters');
    const dup = await cli(['add-user', ...args({ phone: '13912340001' })], pw);
    expect(dup.code).toBe(1);
    expect(dup.err).toContain('exists already');
    const org = await cli(['add-user', ...args({ org: '370921999' })], pw);
    expect(org.code).toBe(1);
    expect(org.err).toContain('org unit 370921999 does not exist');
  });

  it('totp-code prints the current code of a secret', async () => {
    const secret = 'KVKFKRCPNZQUYMLXOVYDSQKJKZDTSRLD';
    const r = await cli(['totp-code', secret], env);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\d{6}$/);
    expect(authenticator.check(r.out, secret)).toBe(true);
    expect((await cli(['totp-code', 'not-base32'], env)).code).toBe(2);
  });

  it('an unknown command or option, or a missing argument, is exit 2', async () => {
    const unknown = await cli(['frobnicate'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toBe('cunzhang frobnicate: unknown command "frobnicate"; run cunzhang help\n');
    const option = await cli(['verify', '--fast'], env);
    expect(option.code).toBe(2);
    expect(option.err).toMatch(/^cunzhang verify: .*--fast/);
    expect((await cli(['import-divisions', HESHAN_CSV, '--county', '370921'], env)).code).toBe(2);
    expect((await cli(['import-divisions'], env)).err).toContain('give exactly one CSV file');
    expect((await cli(['restore'], env)).code).toBe(2);
    const none = await cli([], env);
    expect(none.code).toBe(2);
    expect(none.out).toContain('cunzhang import-divisions FILE.csv');
    expect((await cli(['help'], env)).code).toBe(0);
  });

  it('a bad setting is exit 1 naming the variable', async () => {
    const r = await cli(['verify'], { ...env, CUNZHANG_TZ: 'Mars/Base' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^cunzhang verify: CUNZHANG_TZ: /);
  });

  it('writes nothing into the working directory when --out is given', async () => {
    const outDir = path.join(await tmp('out'), 'nested', 'b');
    await mkdir(path.dirname(outDir), { recursive: true });
    const r = await cli(['backup', '--out', outDir], env);
    expect(r.code, r.err).toBe(0);
    expect(existsSync(path.join(process.cwd(), 'backups'))).toBe(false);
  });
});

