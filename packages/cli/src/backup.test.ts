import { login, systemActor, updateSeal } from '@cunzhang/core';
import { HESHAN_CSV, loadConfig, openRuntime, seedDemo } from '@cunzhang/server';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cli, count, tmp, withSqlite, type Result } from './cli-test-support.js';

describe('cunzhang backup and restore (SQLite)', () => {
  let source: string;
  let env: Record<string, string>;
  let backup: string;
  let before: { counts: Record<string, number>; head: unknown; blob: string; files: string[] };
  const IMAGE = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('impression of 前鹤山村委会')]);

  const state = (dataDir: string) => withSqlite(dataDir, async (d) => ({
    counts: Object.fromEntries(await Promise.all((['audit_log', 'org_units', 'users', 'seals', 'role_grants', 'seal_handovers'] as const).map(async (t) => [t, await count(d, t)]))),
    head: await d.db.selectFrom('audit_head').selectAll().executeTakeFirstOrThrow(),
  }));
  const blobFiles = async (dataDir: string): Promise<string[]> => {
    const root = path.join(dataDir, 'blobs');
    if (!existsSync(root)) return [];
    return (await readdir(root, { recursive: true })).map(String).filter((f) => /[0-9a-f]{64}$/.test(f)).sort();
  };

  beforeAll(async () => {
    source = await tmp('source');
    env = { CUNZHANG_DATA_DIR: source, CUNZHANG_DEMO: 'false', CUNZHANG_LOG_LEVEL: 'silent' };
    const rt = await openRuntime(loadConfig(env));
    try {
      await seedDemo(rt.deps, { csvPath: HESHAN_CSV });
      const { key } = await rt.blobs.put(IMAGE, { contentType: 'image/png' });
      const seal = (await rt.deps.uow.read((tx) => tx.seals.list({ scopes: [''], limit: 1 }))).items[0]!;
      await updateSeal(rt.deps, { actor: systemActor('test'), id: seal.id, input: { impressionBlob: key } });
    } finally {
      await rt.close();
    }
    before = { ...(await state(source)), blob: '', files: await blobFiles(source) };
    before.blob = path.basename(before.files[0]!);
    backup = path.join(await tmp('backups'), 'b1');
  });

  it('backup --out DIR writes a snapshot whose chain is checked', async () => {
    const r = await cli(['backup', '--out', backup], env);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`backup written to ${backup}: database (${before.counts.audit_log} audit entries, chain intact), 1 files, master key`);
    const manifest = JSON.parse(await readFile(path.join(backup, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'cunzhang-backup/1', blobs: 1, database: { auditEntries: before.counts.audit_log, auditHead: (before.head as { hash: string }).hash } });
    const again = await cli(['backup', '--out', backup], env);
    expect(again.code).toBe(2);
    expect(again.err).toContain('exists and is not empty');
  });

  it('restore into a wiped data dir brings back the database, the files and the key; verify passes', async () => {
    await rm(source, { recursive: true, force: true });
    const r = await cli(['restore', backup], env);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`restored ${path.resolve(backup)} into ${source}`);
    expect(await state(source)).toEqual({ counts: before.counts, head: before.head });
    expect(await blobFiles(source)).toEqual(before.files);
    const v = await cli(['verify'], env);
    expect(v.code, v.out).toBe(0);
    expect(v.out).toContain(`audit trail intact: ${before.counts.audit_log} entries`);
    // The restored master key still opens the encrypted phone numbers: the demo keeper can log in.
    const rt = await openRuntime(loadConfig(env));
    try {
      expect(await rt.blobs.get(before.blob)).toEqual(IMAGE);
      const session = await login(rt.deps, { input: { phone: '13800000003', password: 'Heshan@2026' }, ip: 'test' });
      expect(session.stage).toBe('full');
    } finally {
      await rt.close();
    }
  });

  it('restore refuses an existing database without --force, and replaces it with --force', async () => {
    const r = await cli(['restore', backup], env);
    expect(r.code).toBe(2);
    expect(r.err).toContain('exists: stop the server and add --force');
    const f = await cli(['restore', backup, '--force'], env);
    expect(f.code, f.err).toBe(0);
    expect((await cli(['verify'], env)).code).toBe(0);
  });

  describe('a damaged backup is refused and nothing is written', () => {
    let target: string;
    let targetEnv: Record<string, string>;
    afterEach(async () => {
      expect(existsSync(target)).toBe(false);
    });
    const damaged = async (label: string, damage: (dir: string) => Promise<void>): Promise<Result> => {
      const copy = path.join(await tmp(`damaged-${label}`), 'b');
      await cp(backup, copy, { recursive: true });
      await damage(copy);
      target = path.join(await tmp(`target-${label}`), 'data');
      targetEnv = { ...env, CUNZHANG_DATA_DIR: target };
      return cli(['restore', copy], targetEnv);
    };
    const flipByte = async (file: string, at: (size: number) => number): Promise<void> => {
      const bytes = await readFile(file);
      const i = at(bytes.length);
      bytes[i] = bytes[i]! ^ 0x01;
      await writeFile(file, bytes);
    };

    it('one flipped byte in the database snapshot', async () => {
      const r = await damaged('db', (d) => flipByte(path.join(d, 'cunzhang.db'), (n) => Math.floor(n / 2)));
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/cunzhang\.db does not match its SM3 in the manifest: the backup is damaged/);
    });

    it('one flipped byte in a stored file', async () => {
      const r = await damaged('blob', async (d) => {
        const f = (await readdir(path.join(d, 'blobs'), { recursive: true })).map(String).find((x) => /[0-9a-f]{64}$/.test(x))!;
        await flipByte(path.join(d, 'blobs', f), (n) => n - 1);
      });
      expect(r.code).toBe(1);
      expect(r.err).toContain(`blob ${before.blob} in the backup is damaged`);
    });

    it('a changed master key', async () => {
      const r = await damaged('key', (d) => flipByte(path.join(d, 'keys', 'master.key'), () => 0));
      expect(r.code).toBe(1);
      expect(r.err).toContain('master key in the backup does not match');
    });

    it('a missing file', async () => {
      const r = await damaged('missing', async (d) => {
        const f = (await readdir(path.join(d, 'blobs'), { recursive: true })).map(String).find((x) => /[0-9a-f]{64}$/.test(x))!;
        await rm(path.join(d, 'blobs', f));
      });
      expect(r.code).toBe(1);
      expect(r.err).toContain('the backup lists 1 files but holds 0');
    });

    it('no manifest: not a backup at all (exit 2)', async () => {
      const r = await damaged('manifest', (d) => rm(path.join(d, 'manifest.json')));
      expect(r.code).toBe(2);
      expect(r.err).toContain('is not a cunzhang backup');
    });
  });

  it('backup and restore refuse clearly when CUNZHANG_DATABASE_URL is set', async () => {
    const pgEnv = { ...env, CUNZHANG_DATABASE_URL: 'postgres://cz@127.0.0.1:5432/cz' };
    const b = await cli(['backup', '--out', path.join(await tmp('pg'), 'b')], pgEnv);
    expect(b.code).toBe(2);
    expect(b.err).toBe('cunzhang backup: CUNZHANG_DATABASE_URL is set: back up PostgreSQL with pg_dump and the blob store by its own means (docs/operations.md)\n');
    const r = await cli(['restore', backup], pgEnv);
    expect(r.code).toBe(2);
    expect(r.err).toContain('pg_restore');
  });

  it('backup of a data dir with no database says so', async () => {
    const empty = await tmp('empty');
    const r = await cli(['backup', '--out', path.join(empty, 'b')], { ...env, CUNZHANG_DATA_DIR: path.join(empty, 'data') });
    expect(r.code).toBe(2);
    expect(r.err).toContain('no database at');
  });
});

