// Bulk loading for the ledger-search bench: rows in by batches with the secondary indexes
// and search triggers dropped, then the migrations' own statements run again and the schema
// checked identical to the one before the load (SQLite and PostgreSQL).
import SQLite from 'better-sqlite3';
import pg from 'pg';

export interface Loader {
  insert(table: string, columns: string[], rows: unknown[][]): Promise<void>;
  /** Drops the secondary indexes and search triggers of the ledger tables before a bulk load. */
  dropIndexes(): Promise<void>;
  /**
   * Recreates exactly what dropIndexes dropped (the statements the migrations ran, as the
   * database keeps them), brings the search index up to the entries after serial `from`,
   * and fails when the schema differs in any way from the one before the load.
   */
  recreateIndexes(from: number): Promise<void>;
  close(): Promise<void>;
}

/** The tables the ledger fill loads in bulk; others (people, seals) are small and loaded as is. */
const LEDGER_TABLES = ['applications', 'authorizations', 'stampings'];

function schemaDiff(before: string[], after: string[]): string | null {
  const missing = before.filter((x) => !after.includes(x));
  const extra = after.filter((x) => !before.includes(x));
  return missing.length || extra.length ? `missing ${JSON.stringify(missing)}, unexpected ${JSON.stringify(extra)}` : null;
}

/**
 * The search index must hold exactly the applications' terms, as the insert trigger would
 * have put them: the count of entries found for a few terms by FTS5 and by a plain scan.
 */
function checkSqliteSearchIndex(native: SQLite.Database, terms: string[]): void {
  for (const t of terms) {
    const { n: byIndex } = native.prepare('select count(*) as n from ledger_fts where ledger_fts match ?').get(`"${t}"`) as { n: number };
    const { n: byScan } = native.prepare(`select count(*) as n from applications where instr(' ' || search_terms || ' ', ?) > 0`).get(` ${t} `) as { n: number };
    if (byIndex !== byScan) throw new Error(`search index out of step for "${t}": ${byIndex} by FTS5, ${byScan} by scan`);
  }
}

/**
 * SQLite, with the database to itself (the product's connection is closed meanwhile): no
 * journal to wait for and no syncs while this throw-away benchmark file is filled. The
 * searches later run through the product's own connection (openSqlite: WAL, synchronous
 * NORMAL, foreign keys on), which reopens the file.
 */
export function sqliteLoader(file: string): Loader {
  const native = new SQLite(file);
  native.pragma('journal_mode = MEMORY');
  native.pragma('synchronous = OFF');
  native.pragma('cache_size = -262144');
  native.pragma('temp_store = MEMORY');
  const stmts = new Map<string, SQLite.Statement>();
  const statement = (table: string, columns: string[], n: number): SQLite.Statement => {
    const key = `${table}:${columns.join(',')}:${n}`;
    let stmt = stmts.get(key);
    if (!stmt) {
      const row = `(${columns.map(() => '?').join(', ')})`;
      stmt = native.prepare(`insert into ${table} (${columns.join(', ')}) values ${Array.from({ length: n }, () => row).join(', ')}`);
      stmts.set(key, stmt);
    }
    return stmt;
  };
  const schema = () => (native.prepare(`select type, name, tbl_name, sql from sqlite_master order by type, name`).all() as object[]).map((r) => JSON.stringify(r));
  let before: string[] = [];
  let dropped: { type: 'index' | 'trigger'; name: string; sql: string }[] = [];
  return {
    async insert(table, columns, rows) {
      // Several hundred rows per statement (SQLite takes up to 32,766 parameters).
      const per = Math.max(1, Math.min(500, Math.floor(32_000 / columns.length)));
      native.transaction(() => {
        for (let i = 0; i < rows.length; i += per) {
          const chunk = rows.slice(i, i + per);
          statement(table, columns, chunk.length).run(chunk.flat());
        }
      })();
    },
    async dropIndexes() {
      before = schema();
      dropped = native.prepare(`select type, name, sql from sqlite_master where type in ('index', 'trigger') and sql is not null
        and tbl_name in (${LEDGER_TABLES.map(() => '?').join(', ')}) order by type, name`).all(...LEDGER_TABLES) as typeof dropped;
      if (!dropped.some((d) => d.type === 'trigger' && d.name === 'applications_fts_insert')) {
        throw new Error('the ledger schema has no applications_fts_insert trigger: this benchmark no longer knows how to fill the search index');
      }
      for (const d of dropped) native.exec(`drop ${d.type} "${d.name}"`);
    },
    async recreateIndexes(from) {
      for (const d of dropped) if (d.type === 'index') native.exec(d.sql);
      // What applications_fts_insert does row by row, in one statement (as migration 006 fills it).
      native.prepare('insert into ledger_fts(rowid, terms) select serial_no, search_terms from applications where serial_no > ? order by serial_no').run(from);
      for (const d of dropped) if (d.type === 'trigger') native.exec(d.sql);
      const diff = schemaDiff(before, schema());
      if (diff) throw new Error(`SQLite schema differs after the bulk load: ${diff}`);
      checkSqliteSearchIndex(native, ['证明', '王', '同意']);
      dropped = [];
    },
    async close() {
      if (dropped.length) throw new Error('SQLite bulk load left indexes dropped');
      native.pragma('journal_mode = WAL');
      native.close();
    },
  };
}

/**
 * Rows that break a foreign key of the ledger tables, for each key (PostgreSQL): the load
 * skips the row-by-row checks, so the loaded rows are checked here in one pass per key.
 */
async function brokenForeignKeys(client: pg.Client): Promise<string[]> {
  const keys = await client.query<{ name: string; tbl: string; col: string; ref: string; refcol: string }>(`
    select k.conname as name, t.relname as tbl, a.attname as col, r.relname as ref, ra.attname as refcol
    from pg_constraint k join pg_class t on t.oid = k.conrelid join pg_class r on r.oid = k.confrelid
      join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
      join pg_attribute ra on ra.attrelid = k.confrelid and ra.attnum = k.confkey[1]
    where k.contype = 'f' and t.relname = any($1) and t.relnamespace = current_schema()::regnamespace
      and cardinality(k.conkey) = 1
    order by 1`, [LEDGER_TABLES]);
  if (keys.rows.length === 0) throw new Error('the ledger tables have no foreign keys to check');
  const broken: string[] = [];
  for (const k of keys.rows) {
    const r = await client.query<{ n: number }>(`select count(*)::int as n from ${k.tbl} x
      where x.${k.col} is not null and not exists (select 1 from ${k.ref} y where y.${k.refcol} = x.${k.col})`);
    if (r.rows[0]!.n > 0) broken.push(`${k.name}: ${r.rows[0]!.n} rows`);
  }
  return broken;
}

/**
 * PostgreSQL: one connection that does not wait for the disk on commit, with memory enough
 * to build each index in one sort, and whose inserts skip the row-by-row foreign-key
 * triggers (session_replication_role; the keys are checked in bulk afterwards). Indexes
 * that back a constraint (primary keys, unique constraints) stay; plain ones are dropped
 * and rebuilt. The next batch is made while the server stores the previous one.
 */
export function postgresLoader(url: string): Loader {
  const client = new pg.Client({ connectionString: url });
  client.on('error', (e) => console.error(`loader connection lost: ${e.message}`));
  const ready = client.connect().then(() => client.query(`set synchronous_commit = off; set maintenance_work_mem = '512MB'`));
  const schema = async (): Promise<string[]> => {
    const r = await client.query<{ d: string }>(`
      select 'index ' || i.indexrelid::regclass::text || ' valid=' || i.indisvalid || ': ' || pg_get_indexdef(i.indexrelid) as d
        from pg_index i join pg_class c on c.oid = i.indexrelid where c.relnamespace = current_schema()::regnamespace
      union all select 'trigger ' || t.tgname || ' enabled=' || t.tgenabled::text || ': ' || pg_get_triggerdef(t.oid)
        from pg_trigger t join pg_class c on c.oid = t.tgrelid where c.relnamespace = current_schema()::regnamespace and not t.tgisinternal
      union all select 'constraint ' || conrelid::regclass::text || '.' || conname || ' validated=' || convalidated || ': ' || pg_get_constraintdef(oid)
        from pg_constraint where connamespace = current_schema()::regnamespace
      union all select 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || coalesce(generation_expression, '')
        from information_schema.columns where table_schema = current_schema()
      order by 1`);
    return r.rows.map((x) => x.d);
  };
  let before: string[] = [];
  let dropped: { name: string; def: string }[] = [];
  let bulk = false;
  // Batches go one after another on the connection; up to a few wait their turn while the
  // next ones are made.
  let chain: Promise<unknown> = Promise.resolve();
  let inFlight: Promise<unknown>[] = [];
  const settle = async () => {
    const all = inFlight;
    inFlight = [];
    await Promise.all(all);
  };
  return {
    async insert(table, columns, rows) {
      await ready;
      // One statement per batch: each column travels as one array and unnest() makes the rows.
      const types = columns.map((c) => (/^(copies|impressions|version|serial_no|impressions_allowed|impressions_used|matched_page_no|phash_distance|totp_enabled|failed_logins|disabled|demo|totp_last_step)$/.test(c) ? 'int[]' : 'text[]'));
      const arrays = columns.map((_, i) => rows.map((r) => r[i]));
      const text = `insert into ${table} (${columns.join(', ')}) select * from unnest(${types.map((t, i) => `$${i + 1}::${t}`).join(', ')})`;
      chain = chain.then(() => client.query(text, arrays));
      chain.catch(() => undefined);
      inFlight.push(chain);
      if (!bulk) await settle();
      while (inFlight.length > 3) await inFlight.shift();
    },
    async dropIndexes() {
      await ready;
      before = await schema();
      const r = await client.query<{ name: string; def: string }>(`
        select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def
        from pg_index i join pg_class t on t.oid = i.indrelid
        where t.relname = any($1) and t.relnamespace = current_schema()::regnamespace
          and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid and k.conrelid = i.indrelid)
        order by 1`, [LEDGER_TABLES]);
      dropped = r.rows;
      for (const d of dropped) await client.query(`drop index ${d.name}`);
      await client.query('set session_replication_role = replica');
      bulk = true;
    },
    async recreateIndexes() {
      await settle();
      bulk = false;
      await client.query('set session_replication_role = origin');
      for (const d of dropped) await client.query(d.def);
      dropped = [];
      const broken = await brokenForeignKeys(client);
      if (broken.length) throw new Error(`the bulk load broke foreign keys: ${broken.join('; ')}`);
      // New filings continue after the loaded serial numbers, as they would have.
      await client.query(`select setval('application_serial', (select max(serial_no) from applications))`);
      // Statistics and the visibility map, as autovacuum keeps them after such a load.
      await client.query('vacuum analyze');
      const diff = schemaDiff(before, await schema());
      if (diff) throw new Error(`PostgreSQL schema differs after the bulk load: ${diff}`);
    },
    async close() {
      await settle();
      if (dropped.length) throw new Error('PostgreSQL bulk load left indexes dropped');
      await client.end();
    },
  };
}
