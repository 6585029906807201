import { FsBlobStore, blobKeyOf, openSqlite, verifyAuditTrail } from '@cunzhang/store';
import { loadConfig } from '@cunzhang/server';
import { sql } from 'kysely';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError, type Out } from '../context.js';

export const BACKUP_FORMAT = 'cunzhang-backup/1';

export interface Manifest {
  format: string;
  createdAt: string;
  database: { file: string; sm3: string; auditEntries: number; auditHead: string };
  masterKey: { file: string; sm3: string } | null;
  blobs: number;
}

const sm3File = async (file: string): Promise<string> => createHash('sm3').update(await readFile(file)).digest('hex');

/**
 * cunzhang backup [--out DIR]: a consistent SQLite snapshot (VACUUM INTO, safe while the server
 * runs), then every blob. Blobs are immutable and written before any row refers to them, so
 * copying them after the snapshot never misses one the snapshot needs.
 */
export async function backupCommand(args: { out?: string | undefined }, out: Out, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const config = loadConfig(env);
  if (config.databaseUrl) throw new UsageError('CUNZHANG_DATABASE_URL is set: back up PostgreSQL with pg_dump and the blob store by its own means (docs/operations.md)');
  const dbFile = path.join(config.dataDir, 'cunzhang.db');
  if (!existsSync(dbFile)) throw new UsageError(`no database at ${dbFile}: check CUNZHANG_DATA_DIR`);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const dir = path.resolve(args.out ?? path.join('backups', `cunzhang-backup-${stamp}`));
  if (existsSync(dir) && (await readdir(dir)).length > 0) throw new UsageError(`${dir} exists and is not empty: choose another --out`);
  await mkdir(path.join(dir, 'blobs'), { recursive: true });

  const snapshot = path.join(dir, 'cunzhang.db');
  const live = openSqlite(dbFile);
  try {
    await sql`vacuum into ${snapshot}`.execute(live.db);
  } finally {
    await live.close();
  }
  const copy = openSqlite(snapshot);
  let verified;
  try {
    verified = await verifyAuditTrail(copy);
  } finally {
    await copy.close();
  }
  if (!verified.ok) throw new Error(`the database's audit trail is broken at entry ${verified.firstBad?.seq} (${verified.firstBad?.reason}); backup kept at ${dir} for investigation`);

  const src = new FsBlobStore(path.join(config.dataDir, 'blobs'));
  const dst = new FsBlobStore(path.join(dir, 'blobs'));
  let blobs = 0;
  for await (const key of src.keys()) {
    const bytes = await src.get(key);
    if (!bytes) continue;
    await dst.put(bytes, { contentType: (await src.contentType(key)) ?? 'application/octet-stream' });
    blobs++;
  }
  const keyFile = path.join(config.dataDir, 'keys', 'master.key');
  let masterKey: Manifest['masterKey'] = null;
  if (existsSync(keyFile)) {
    await mkdir(path.join(dir, 'keys'), { recursive: true, mode: 0o700 });
    await copyFile(keyFile, path.join(dir, 'keys', 'master.key'));
    masterKey = { file: 'keys/master.key', sm3: await sm3File(keyFile) };
  }
  const manifest: Manifest = {
    format: BACKUP_FORMAT, createdAt: new Date().toISOString(),
    database: { file: 'cunzhang.db', sm3: await sm3File(snapshot), auditEntries: verified.checked, auditHead: verified.headHash },
    masterKey, blobs,
  };
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  out(`backup written to ${dir}: database (${verified.checked} audit entries, chain intact), ${blobs} files${masterKey ? ', master key' : ''}`);
  if (masterKey) out('the backup holds the master key that decrypts phone and ID numbers: keep it as safe as the data itself');
  return dir;
}

/** cunzhang restore DIR [--force]: checks every hash first; writes nothing if any fails. */
export async function restoreCommand(args: { dir: string; force: boolean }, out: Out, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig(env);
  if (config.databaseUrl) throw new UsageError('CUNZHANG_DATABASE_URL is set: restore PostgreSQL with pg_restore (docs/operations.md)');
  const dir = path.resolve(args.dir);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    throw new UsageError(`${dir} is not a cunzhang backup: manifest.json is missing or unreadable`);
  }
  if (manifest.format !== BACKUP_FORMAT) throw new UsageError(`${dir}: unknown backup format ${JSON.stringify(manifest.format)}`);
  const snapshot = path.join(dir, manifest.database.file);
  if ((await sm3File(snapshot)) !== manifest.database.sm3) throw new Error(`${snapshot} does not match its SM3 in the manifest: the backup is damaged`);
  if (manifest.masterKey && (await sm3File(path.join(dir, manifest.masterKey.file))) !== manifest.masterKey.sm3) {
    throw new Error('the master key in the backup does not match its SM3: the backup is damaged');
  }
  const src = new FsBlobStore(path.join(dir, 'blobs'));
  let blobs = 0;
  for await (const key of src.keys()) {
    const bytes = await src.get(key);
    if (!bytes || blobKeyOf(bytes) !== key) throw new Error(`blob ${key} in the backup is damaged (content does not match its key)`);
    blobs++;
  }
  if (blobs !== manifest.blobs) throw new Error(`the backup lists ${manifest.blobs} files but holds ${blobs}`);

  const dbFile = path.join(config.dataDir, 'cunzhang.db');
  if (existsSync(dbFile) && !args.force) {
    throw new UsageError(`${dbFile} exists: stop the server and add --force to replace it with the backup`);
  }
  await mkdir(config.dataDir, { recursive: true });
  const tmp = `${dbFile}.restoring`;
  await copyFile(snapshot, tmp);
  const check = openSqlite(tmp);
  const verified = await verifyAuditTrail(check).finally(() => check.close());
  if (!verified.ok || verified.headHash !== manifest.database.auditHead) {
    await rm(tmp, { force: true });
    throw new Error('the restored database fails its audit-chain check; nothing was replaced');
  }
  const dst = new FsBlobStore(path.join(config.dataDir, 'blobs'));
  for await (const key of src.keys()) {
    await dst.put((await src.get(key))!, { contentType: (await src.contentType(key)) ?? 'application/octet-stream' });
  }
  if (manifest.masterKey) {
    await mkdir(path.join(config.dataDir, 'keys'), { recursive: true, mode: 0o700 });
    await copyFile(path.join(dir, manifest.masterKey.file), path.join(config.dataDir, 'keys', 'master.key'));
  }
  for (const side of ['-wal', '-shm']) await rm(`${dbFile}${side}`, { force: true });
  await rename(tmp, dbFile);
  const size = (await stat(dbFile)).size;
  out(`restored ${dir} into ${config.dataDir}: database ${Math.round(size / 1024)} KiB, ${verified.checked} audit entries (chain intact), ${blobs} files`);
}
