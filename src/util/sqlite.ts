/**
 * SQLite access through a narrow structural interface over the better-sqlite3 calls
 * Cairn uses, so modules depend on this shape rather than the library, plus the
 * pragmas every Cairn database gets and a per-module migration runner.
 */
import Database from 'better-sqlite3';

/** Result of a write statement. */
export interface RunResult {
  readonly changes: number;
  readonly lastInsertRowid: number | bigint;
}

/** A prepared statement. Parameters are positional or one named-parameter object. */
export interface SqlStatement<Row = unknown> {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): Row | undefined;
  all(...params: unknown[]): Row[];
}

/** The subset of a better-sqlite3 `Database` Cairn uses. */
export interface SqlDatabase {
  prepare<Row = unknown>(sql: string): SqlStatement<Row>;
  exec(sql: string): void;
  /** Wraps `fn` in BEGIN/COMMIT (ROLLBACK on throw); the returned function runs it. */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): void;
  readonly open: boolean;
}

/** Options for `openSqlite`. */
export interface OpenSqliteOptions {
  readonly readonly?: boolean;
  /**
   * How long a writer waits for another process's write lock (the CLI and the server
   * share `system.db`). Writes here are tiny, so 5 s only passes under real trouble.
   */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) a database file in WAL journal mode, so the CLI can write
 * while the server reads, with `synchronous=NORMAL`: in WAL mode a commit survives a
 * process crash, and only an OS crash can lose the last transactions.
 */
export function openSqlite(path: string, options: OpenSqliteOptions = {}): SqlDatabase {
  const db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
  }
  return db as unknown as SqlDatabase;
}

/**
 * Brings a module's tables up to date. `steps[i]` is the SQL that moves the module's
 * schema from version i to i+1; each step runs in its own transaction with the version
 * bump, so a crash mid-migration leaves the previous version intact. Modules own their
 * tables and name them with their own prefix.
 */
export function migrate(db: SqlDatabase, module: string, steps: readonly string[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (module TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  const row = db.prepare<{ version: number }>('SELECT version FROM schema_migrations WHERE module = ?').get(module);
  const current = row?.version ?? 0;
  if (current > steps.length) {
    throw new Error(`database schema of ${module} is version ${current}, newer than this cairn knows (${steps.length}); upgrade cairn`);
  }
  for (let v = current; v < steps.length; v++) {
    db.transaction(() => {
      db.exec(steps[v]!);
      db.prepare('INSERT INTO schema_migrations (module, version) VALUES (?, ?) ON CONFLICT(module) DO UPDATE SET version = excluded.version').run(module, v + 1);
    })();
  }
}
