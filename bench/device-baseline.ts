/**
 * The floor under device ingest (device-ingest.bench.ts): the work that no implementation of
 * the gateway can skip, in one loop over the same signed events, in batches of 200 (the
 * gateway's batch size): verify each SM2 signature with a precomputed key, then write in one
 * transaction exactly the rows the product writes for an impression under an authorization
 * (core/alarm/record-impression.ts, core/device/ingest-events.ts, alarm/ingest-batch.ts):
 *
 *   device_events   1 row per impression (the signed event, idempotency key device+seq)
 *   device_photos   2 rows per impression (before/after announced, admitted for upload later)
 *   stampings       1 row per impression (the ledger row, with the device's facts)
 *   authorizations  1 update per authorization per batch (impressions used; the product does one per impression)
 *   audit_log       1 row per impression (STAMPING_RECORDED, SM3 hash chain), and the chain head
 *                   moved once per row (a trigger only lets it move forward one entry at a time)
 *   devices         1 update per device per batch (sequence high-water mark, last seen, online)
 *
 * Rows go in as multi-row INSERTs over the native driver (better-sqlite3 / pg) with no query
 * builder. Not in the floor: the anomaly rules and their reads (burst counts, open-alarm
 * look-ups), reading each device and authorization, alarms and their audit entries, the
 * application's approved→stamped step, live pushes — all of which the product does.
 */
import { entryHash } from '@cunzhang/ledger';
import { verify, type DeviceEventOf, type VerifyKey } from '@cunzhang/protocol';
import SQLite from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface BaselineItem {
  ev: DeviceEventOf<'impression'>;
  key: VerifyKey;
  /** Added to the event's seq: the floor writes beside the product's rows, never on them. */
  seqOffset: number;
  auth: { id: string; applicationId: string; sealId: string; orgCode: string };
}

type Row = unknown[];
type Head = { seq: number; hash: string };
/** The audit rows of a batch, chained onto the head read inside its transaction. */
type AuditRows = (head: Head) => { rows: Row[]; moves: Head[] };
interface Sink {
  /** One transaction: multi-row inserts, the audit rows (head locked and read first), updates, then the head moves. */
  tx(inserts: [table: string, columns: string[], rows: Row[]][], audit: AuditRows, updates: [sql: string, params: unknown[]][]): Promise<void>;
  close(): Promise<void>;
}

const STAMP_COLS = ['id', 'application_id', 'authorization_id', 'seal_id', 'org_code', 'source', 'impressions', 'stamped_at', 'operator_user_id', 'device_id',
  'latitude', 'longitude', 'photo_key', 'thumb_key', 'sm3', 'phash', 'matched_page_no', 'phash_distance', 'note', 'created_at', 'device_seq', 'received_at', 'before_key', 'flags'];
const EVENT_COLS = ['device_id', 'seq', 'type', 'device_time', 'received_at', 'body', 'sig'];
const PHOTO_COLS = ['sm3', 'device_id', 'announced_at', 'stored_at', 'thumb_key'];
const AUDIT_COLS = ['seq', 'at', 'actor_id', 'action', 'target_type', 'target_id', 'org_code', 'ip', 'before_json', 'after_json', 'prev_hash', 'hash'];

function sqliteSink(file: string): Sink {
  const db = new SQLite(file, { fileMustExist: true });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 10000');
  const stmts = new Map<string, SQLite.Statement>();
  const stmt = (sql: string) => {
    let s = stmts.get(sql);
    if (!s) stmts.set(sql, (s = db.prepare(sql)));
    return s;
  };
  const moveHead = 'update audit_head set seq = ?, hash = ? where id = 1';
  return {
    tx: async (inserts, audit, updates) => {
      db.transaction(() => {
        const insert = (table: string, cols: string[], rows: Row[]) => {
          const row = `(${cols.map(() => '?').join(',')})`;
          stmt(`insert into ${table} (${cols.join(',')}) values ${rows.map(() => row).join(',')}`).run(rows.flat() as unknown[]);
        };
        for (const [table, cols, rows] of inserts) insert(table, cols, rows);
        const { rows, moves } = audit(stmt('select seq, hash from audit_head where id = 1').get() as Head);
        insert('audit_log', AUDIT_COLS, rows);
        for (const [sql, params] of updates) stmt(sql).run(params);
        for (const m of moves) stmt(moveHead).run(m.seq, m.hash);
      }).immediate();
    },
    close: async () => { db.close(); },
  };
}

async function postgresSink(url: string): Promise<Sink> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const pgSql = (sql: string) => { let i = 0; return sql.replace(/\?/g, () => `$${++i}`); };
  return {
    tx: async (inserts, audit, updates) => {
      await c.query('begin');
      try {
        const insert = async (table: string, cols: string[], rows: Row[]) => {
          let i = 0;
          const values = rows.map((r) => `(${r.map(() => `$${++i}`).join(',')})`).join(',');
          await c.query(`insert into ${table} (${cols.join(',')}) values ${values}`, rows.flat());
        };
        for (const [table, cols, rows] of inserts) await insert(table, cols, rows);
        // The head is locked and read, as the product's audit append does.
        const { rows, moves } = audit((await c.query<Head>('select seq, hash from audit_head where id = 1 for update')).rows[0]!);
        await insert('audit_log', AUDIT_COLS, rows);
        for (const [sql, params] of updates) await c.query(pgSql(sql), params);
        // The head moves one entry at a time (trigger): all moves in one round trip, values are digits and hex.
        await c.query(moves.map((m) => `update audit_head set seq = ${Number(m.seq)}, hash = '${m.hash.replace(/[^0-9a-f]/g, '')}' where id = 1;`).join('\n'));
        await c.query('commit');
      } catch (e) {
        await c.query('rollback');
        throw e;
      }
    },
    close: () => c.end(),
  };
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
let stampSerial = 0;

/** Runs the floor over `items` and returns the elapsed milliseconds. */
export async function rawIngest(target: { file: string | null; url: string | null }, items: readonly BaselineItem[], batch = 200): Promise<number> {
  const sink = target.url ? await postgresSink(target.url) : sqliteSink(target.file!);
  // Fresh photo keys: the product's rows already hold the events' own (and the floor must insert, not skip).
  const photos = items.map(() => [hex(32), hex(32)] as const);
  try {
    const t0 = performance.now();
    for (let start = 0; start < items.length; start += batch) {
      const slice = items.slice(start, start + batch);
      for (const it of slice) if (!verify(it.ev, it.key)) throw new Error(`signature of ${it.ev.dev} #${it.ev.seq} does not verify`);
      const now = new Date().toISOString();
      const events: Row[] = [];
      const photoRows: Row[] = [];
      const stamps: Row[] = [];
      const entries: Omit<Parameters<typeof entryHash>[0], 'seq' | 'prevHash'>[] = [];
      const perAuth = new Map<string, number>();
      const perDevice = new Map<string, number>();
      for (const [i, it] of slice.entries()) {
        const { ev, auth } = it;
        const seq = ev.seq + it.seqOffset;
        const [before, after] = photos[start + i]!;
        const id = `BENCH${String(++stampSerial).padStart(21, '0')}`;
        events.push([ev.dev, seq, ev.type, ev.ts, now, JSON.stringify(ev.body), ev.sig]);
        photoRows.push([before, ev.dev, now, null, null], [after, ev.dev, now, null, null]);
        stamps.push([id, auth.applicationId, auth.id, auth.sealId, auth.orgCode, 'device', 1, ev.ts, null, ev.dev, ev.body.lat_e6 / 1e6, ev.body.lng_e6 / 1e6,
          after, null, after, ev.body.after.phash, 1, 0, null, now, seq, now, before, '[]']);
        perAuth.set(auth.id, (perAuth.get(auth.id) ?? 0) + 1);
        perDevice.set(ev.dev, Math.max(perDevice.get(ev.dev) ?? 0, seq));
        entries.push({
          at: now, actorId: `device:${ev.dev}`, action: 'STAMPING_RECORDED', targetType: 'application', targetId: auth.applicationId,
          orgCode: auth.orgCode, ip: 'device', before: { impressionsUsed: ev.body.n - 1, authorizationStatus: 'active' },
          after: {
            stamping: id, source: 'device', deviceId: ev.dev, deviceSeq: seq, impressions: 1, n: ev.body.n, impressionsUsed: ev.body.n, impressionsAllowed: 1000,
            authorizationStatus: 'active', applicationStamped: false, stampedAt: ev.ts, receivedAt: now, operator: ev.body.operator, offline: ev.body.offline,
            matchedPageNo: 1, phashDistance: 0, pageMatches: true, photoSm3: after, beforeSm3: before, flags: [],
          },
        });
      }
      const audit: AuditRows = (start) => {
        let head = start;
        const rows: Row[] = [];
        const moves: Head[] = [];
        for (const e of entries) {
          const entry = { ...e, seq: head.seq + 1, prevHash: head.hash };
          head = { seq: entry.seq, hash: entryHash(entry) };
          rows.push([entry.seq, e.at, e.actorId, e.action, e.targetType, e.targetId, e.orgCode, e.ip, JSON.stringify(e.before), JSON.stringify(e.after), entry.prevHash, head.hash]);
          moves.push(head);
        }
        return { rows, moves };
      };
      const updates: [string, unknown[]][] = [
        ...[...perAuth].map(([id, n]): [string, unknown[]] => ['update authorizations set impressions_used = impressions_used + ?, version = version + 1 where id = ?', [n, id]]),
        ...[...perDevice].map(([id, high]): [string, unknown[]] => ['update devices set seq_high = ?, last_seen_at = ?, online = 1 where id = ?', [high, now, id]]),
      ];
      await sink.tx([['device_events', EVENT_COLS, events], ['device_photos', PHOTO_COLS, photoRows], ['stampings', STAMP_COLS, stamps]], audit, updates);
    }
    return performance.now() - t0;
  } finally {
    await sink.close();
  }
}
