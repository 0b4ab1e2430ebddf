/**
 * The narrow slice of better-sqlite3 the log block files use, and how they are opened.
 * Like metrics blocks (src/tsdb/block/block-sqlite.ts, which this layer may not import),
 * log block files are written once by one thread and then only read, so they are not
 * WAL-mode databases like the rest of Cairn's.
 */
import Database from 'better-sqlite3';

/** A prepared statement, in the better-sqlite3 calls log blocks use. */
export interface LogBlockStatement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  /** Rows as arrays instead of objects (cheaper); returns the statement. */
  raw(on?: boolean): LogBlockStatement;
  /** Rows as their first column only; returns the statement. */
  pluck(on?: boolean): LogBlockStatement;
}

/** A log block database connection. */
export interface LogBlockDb {
  prepare(sql: string): LogBlockStatement;
  exec(sql: string): void;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): void;
}

/**
 * `application_id` in the SQLite header of every log block file: "CRNL" in ASCII, so tools
 * (and `LogBlockReader.open`) tell a log block from a metrics block ("CRNB") or any other
 * SQLite file.
 */
export const LOG_BLOCK_APPLICATION_ID = 0x43524e4c;

/** Opens a new, empty database file for writing a block. */
export function createLogBlockDb(path: string): LogBlockDb {
  return new Database(path) as unknown as LogBlockDb;
}

/** Opens an existing block file read-only. */
export function openLogBlockDb(path: string): LogBlockDb {
  return new Database(path, { readonly: true, fileMustExist: true }) as unknown as LogBlockDb;
}
