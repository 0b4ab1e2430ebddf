/**
 * The narrow slice of better-sqlite3 the block files use (raw rows and streaming
 * iteration, which `util/sqlite.ts`'s shared interface leaves out), and how block files
 * are opened: block files are not WAL-mode databases like the rest of Cairn's, because
 * they are written once by one thread and then only read.
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

/**
 * `application_id` in the SQLite header of every block file: "CRNB" in ASCII, so tools
 * (and `BlockReader.open`) can tell a Cairn block from any other SQLite file.
 */
export const BLOCK_APPLICATION_ID = 0x43524e42;

/** Opens a new, empty database file for writing a block. */
export function createBlockDb(path: string): BlockDb {
  return new Database(path) as unknown as BlockDb;
}

/** Opens an existing block file read-only. */
export function openBlockDb(path: string): BlockDb {
  return new Database(path, { readonly: true, fileMustExist: true }) as unknown as BlockDb;
}
