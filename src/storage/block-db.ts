/**
 * The narrow slice of better-sqlite3 block files use (raw rows and streaming iteration,
 * which `util/sqlite.ts`'s shared interface leaves out), and how block files are opened:
 * block files of both stores are written once by one thread and then only read, so they
 * are not WAL-mode databases like the rest of Cairn's. Each store marks its files with its
 * own `application_id`.
 */
import Database from 'better-sqlite3';

/** A prepared statement, in the better-sqlite3 calls blocks use. */
export interface BlockStatement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  /** Rows as arrays instead of objects (cheaper); returns the statement. */
  raw(on?: boolean): BlockStatement;
  /** Rows as their first column only; returns the statement. */
  pluck(on?: boolean): BlockStatement;
}

/** A block database connection. */
export interface BlockDb {
  prepare(sql: string): BlockStatement;
  exec(sql: string): void;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): void;
}

/** Opens a new, empty database file for writing a block. */
export function createBlockDb(path: string): BlockDb {
  return new Database(path) as unknown as BlockDb;
}

/** Opens an existing block file read-only. */
export function openBlockDb(path: string): BlockDb {
  return new Database(path, { readonly: true, fileMustExist: true }) as unknown as BlockDb;
}
