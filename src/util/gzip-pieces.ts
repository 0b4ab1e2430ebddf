/**
 * gzip and deflate off the event loop, with big inputs compressed in parallel pieces.
 *
 * node:zlib's callback API runs on libuv's thread pool. One job compresses at ~140 MB/s
 * (level 1, JSON answers), so a 15 MB query answer would take ~100 ms on one thread. A big
 * input is cut into pieces that are compressed at once, each as raw deflate ended by a sync
 * flush (a byte-aligned empty stored block, no final bit) except the last, and the pieces
 * are joined behind one gzip header with the CRC-32 and length of the whole input: one
 * gzip member, as pigz writes it, which every decoder reads (several members would be valid
 * gzip too, but some decoders stop after the first). Each piece starts with an empty
 * window, which costs ~1 % of ratio at 1 MiB pieces.
 *
 * The thread pool also runs the file system's asynchronous calls (the WALs' fsyncs), so
 * jobs are admitted through a small gate: compression never takes every pool thread.
 */
import { availableParallelism } from 'node:os';
import zlib from 'node:zlib';

/** What a response body may be encoded with, besides identity. */
export type BodyEncoding = 'gzip' | 'deflate';

/** Below this a body is one job: splitting it would cost more in set-up than it saves. */
export const PIECE_MIN_BYTES = 512 * 1024;

/** libuv's default pool is 4 threads; UV_THREADPOOL_SIZE changes it at start. */
function poolSize(): number {
  const n = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(n) && n > 0 ? n : 4;
}

/**
 * Compression jobs in flight at most: leave two pool threads for file I/O (the metrics and
 * logs WALs fsync through the pool; an acknowledgement may wait for one), and no more jobs
 * than cores.
 */
const MAX_JOBS = Math.max(1, Math.min(poolSize() - 2, availableParallelism()));

/** A counting gate: `run` waits until fewer than `limit` jobs are running. */
class Gate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await job();
    } finally {
      // The slot passes straight to the next waiter, so `running` counts it still.
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.running--;
    }
  }
}

const gate = new Gate(MAX_JOBS);

/**
 * The output buffer of one job. zlib's default (16 KiB) makes the pool thread hand every
 * 16 KiB of output back to the event loop and wait for it to ask for more: ~350 round trips
 * for a 16 MB answer. Half the input holds a JSON answer's output in one (level 1 makes a
 * third of it); 8 MiB bounds the allocation.
 */
function chunkSizeFor(bytes: number): number {
  return Math.min(8 * 1024 * 1024, Math.max(64 * 1024, Math.ceil(bytes / 2)));
}

function zlibJob(fn: (buf: Buffer, opts: zlib.ZlibOptions, cb: zlib.CompressCallback) => void, input: Buffer, opts: zlib.ZlibOptions): Promise<Buffer> {
  const withChunk = { ...opts, chunkSize: chunkSizeFor(input.length) };
  return gate.run(() => new Promise<Buffer>((resolve, reject) => fn(input, withChunk, (err, out) => (err === null ? resolve(out) : reject(err)))));
}

/** The gzip member header: magic, deflate, no flags, no mtime, no extra flags, OS unknown (RFC 1952 2.3). */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);

/** How many pieces `input` is compressed in: one per `PIECE_MIN_BYTES`, at most one per job slot. */
export function pieceCount(bytes: number, maxJobs = MAX_JOBS): number {
  // zlib.crc32 arrived in Node 20.15; without it the whole input is one job.
  if (typeof zlib.crc32 !== 'function') return 1;
  return Math.max(1, Math.min(maxJobs, Math.floor(bytes / PIECE_MIN_BYTES)));
}

/**
 * gzip-compresses `input` at `level` (1–9) on the thread pool, as one gzip member, in
 * `pieces` parallel pieces (default: `pieceCount`). Rejects only on a zlib failure.
 */
export async function gzipPieces(input: Buffer, level: number, pieces = pieceCount(input.length)): Promise<Buffer> {
  if (pieces <= 1 || input.length < pieces) return zlibJob(zlib.gzip, input, { level });
  const size = Math.ceil(input.length / pieces);
  const jobs: Promise<Buffer>[] = [];
  for (let start = 0; start < input.length; start += size) {
    const last = start + size >= input.length;
    const piece = input.subarray(start, Math.min(input.length, start + size));
    jobs.push(zlibJob(zlib.deflateRaw, piece, { level, finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH }));
  }
  // The whole input's CRC on this thread: ~7 GB/s, 2 ms for 15 MB, while the pieces compress.
  const crc = zlib.crc32(input);
  const deflated = await Promise.all(jobs);
  const trailer = Buffer.allocUnsafe(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  // ISIZE is the input length modulo 2^32 (RFC 1952 2.3.1).
  trailer.writeUInt32LE(input.length % 0x1_0000_0000, 4);
  return Buffer.concat([GZIP_HEADER, ...deflated, trailer]);
}

/**
 * Up to this size a body is compressed on the calling thread: at level 1 that is ≤ ~0.2 ms,
 * less than a round trip through the thread pool costs a small answer in latency (a
 * `label values` answer of 7 KB took 0.3 ms longer through the pool on two busy cores).
 */
export const INLINE_MAX_BYTES = 32 * 1024;

/** Compresses `input` with `encoding` at `level` (1–9): small bodies inline, others on the thread pool. */
export async function compressBody(input: Buffer, encoding: BodyEncoding, level: number): Promise<Buffer> {
  if (input.length <= INLINE_MAX_BYTES) return encoding === 'gzip' ? zlib.gzipSync(input, { level }) : zlib.deflateSync(input, { level });
  // deflate (the zlib format) is one job: only clients that refuse gzip ask for it.
  return encoding === 'gzip' ? gzipPieces(input, level) : zlibJob(zlib.deflate, input, { level });
}
