/**
 * The narrow slice of `node:fs` the WAL uses, as a structural interface, so tests can
 * count fsyncs, hold them open to observe group commit, and inject ENOSPC or EIO without
 * touching a real disk's failure modes. `node:fs` itself satisfies it.
 */
import * as fs from 'node:fs';
import { CairnError } from '../../util/errors.js';

/** Callback of the asynchronous fsync calls, as Node's. */
export type FsCallback = (err: NodeJS.ErrnoException | null) => void;

/**
 * File-system calls of the WAL. Synchronous calls run on the main thread and must be
 * short (open, positional write into the page cache, truncate, unlink); the two durable
 * flushes are asynchronous so that a slow disk never blocks the event loop, except
 * `fsyncSync`, used only while repairing damage during replay at start-up.
 */
export interface WalFs {
  openSync(path: string, flags: string): number;
  closeSync(fd: number): void;
  /** Positional read; returns the bytes read, 0 at the end of the file. */
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  /** Positional write; may write fewer bytes than asked (the caller loops). */
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  ftruncateSync(fd: number, len: number): void;
  fstatSync(fd: number): { readonly size: number };
  statSync(path: string): { readonly size: number };
  readdirSync(path: string): string[];
  mkdirSync(path: string, options: { recursive: true }): unknown;
  unlinkSync(path: string): void;
  /** Flushes a segment's data (and its size) to stable storage. */
  fdatasync(fd: number, callback: FsCallback): void;
  /** Flushes a directory, so created segment files survive a power loss. */
  fsync(fd: number, callback: FsCallback): void;
  fsyncSync(fd: number): void;
}

/** The real file system. */
export const nodeWalFs: WalFs = fs;

/**
 * A CairnError for a failed file-system call: kind `unavailable` (the client may retry,
 * the operator must look at the disk), the stable `reason`, and a message naming the
 * operation, the path and the errno code.
 */
export function walIoError(reason: string, what: string, path: string, err: unknown, consequence = ''): CairnError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? String(err);
  return new CairnError('unavailable', reason, `${what} ${path} failed: ${code}${consequence === '' ? '' : `; ${consequence}`}`, { cause: err });
}
