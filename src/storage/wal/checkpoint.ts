/**
 * WAL checkpoints: how the WAL is truncated without losing what its oldest segments hold
 * that is not in blocks yet (series still alive, samples newer than the newest block).
 *
 * `checkpoint.<N>` holds records that stand for every segment numbered below N. It is
 * written as `checkpoint.<N>.tmp`, fsynced, renamed and the directory fsynced; only then
 * are the segments below N and older checkpoints removed. Replay reads the newest
 * checkpoint first, then the segments from N on, so a crash at any step leaves either the
 * old segments (the checkpoint never became visible) or the checkpoint (segments below N
 * that a crash left behind are skipped and removed). Same idea as Prometheus's
 * `checkpoint.N` directories; a single file of frames is enough here (FORMAT.md).
 */
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { frameBytes, payloadMatches, readFrameHeader, RECORD_TYPE_FULL, writeFrame, FRAME_HEADER_BYTES } from './record.js';
import { segmentName } from './segment.js';
import { walIoError } from './wal-fs.js';

const CHECKPOINT_NAME = /^checkpoint\.(\d+)$/;
const CHECKPOINT_TMP = /^checkpoint\.\d+\.tmp$/;
/**
 * Frames are gathered into writes of about this size: large enough that a checkpoint of
 * tens of MiB is a few hundred syscalls, small enough not to hold much memory.
 */
const WRITE_BYTES = 1 << 20;

/** The checkpoint file name covering the segments below `index`. */
export function checkpointName(index: number): string {
  return `checkpoint.${segmentName(index)}`;
}

/** The newest checkpoint in `dir` (its index), or null. */
export function latestCheckpoint(dir: string): number | null {
  let best: number | null = null;
  for (const name of readdirSync(dir)) {
    const m = CHECKPOINT_NAME.exec(name);
    if (m === null) continue;
    const n = Number(m[1]);
    if (best === null || n > best) best = n;
  }
  return best;
}

/**
 * Removes unfinished checkpoint files and every checkpoint older than `keep`. Called on
 * open (a crash may leave a `.tmp`) and after a new checkpoint is in place.
 */
export function removeStaleCheckpoints(dir: string, keep: number | null): void {
  for (const name of readdirSync(dir)) {
    const m = CHECKPOINT_NAME.exec(name);
    const stale = CHECKPOINT_TMP.test(name) || (m !== null && (keep === null || Number(m[1]) < keep));
    if (!stale) continue;
    try {
      unlinkSync(join(dir, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw walIoError('wal_truncate_failed', 'removing old wal checkpoint', join(dir, name), err);
    }
  }
}

/** What reading a checkpoint found. */
export interface CheckpointReplay {
  readonly records: number;
  readonly payloadBytes: number;
  /** Set when a frame failed its checksum: the records after it were not read. */
  readonly corruptAt: number | null;
}

/**
 * Hands every record of `checkpoint.<index>` to `onRecord`, in order. A checkpoint was
 * fsynced before it became visible, so a bad frame means the disk damaged it: replay
 * stops there and reports the offset rather than throwing (a throw would fail every
 * restart alike). Throws `unavailable` when the file cannot be read.
 */
export function replayCheckpoint(dir: string, index: number, onRecord: (payload: Uint8Array, type: number) => void): CheckpointReplay {
  const path = join(dir, checkpointName(index));
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw walIoError('wal_read_failed', 'reading wal checkpoint', path, err);
  }
  let at = 0;
  let records = 0;
  let payloadBytes = 0;
  while (at < buf.length) {
    if (buf.length - at < FRAME_HEADER_BYTES) return { records, payloadBytes, corruptAt: at };
    const h = readFrameHeader(buf, at);
    const end = at + FRAME_HEADER_BYTES + (h?.payloadBytes ?? 0);
    if (h === null || h.type !== RECORD_TYPE_FULL || end > buf.length) return { records, payloadBytes, corruptAt: at };
    const payload = buf.subarray(at + FRAME_HEADER_BYTES, end);
    if (!payloadMatches(payload, h)) return { records, payloadBytes, corruptAt: at };
    onRecord(payload, h.type);
    records++;
    payloadBytes += payload.length;
    at = end;
  }
  return { records, payloadBytes, corruptAt: null };
}

/**
 * Writes `checkpoint.<index>` from `records` (an async source, so the caller may build
 * them in batches and yield between), durably: temporary file, fsync, rename, directory
 * fsync. Resolves with the bytes written. On failure the temporary file is removed and
 * the error (`unavailable`/`wal_checkpoint_failed`) thrown; the WAL is unchanged.
 */
export async function writeCheckpoint(dir: string, index: number, records: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<number> {
  const final = join(dir, checkpointName(index));
  const tmp = `${final}.tmp`;
  let written = 0;
  let file: Awaited<ReturnType<typeof open>> | undefined;
  try {
    file = await open(tmp, 'w');
    let buf = Buffer.allocUnsafe(WRITE_BYTES);
    let used = 0;
    const flush = async () => {
      let done = 0;
      while (done < used) done += (await file!.write(buf, done, used - done, written + done)).bytesWritten;
      written += used;
      used = 0;
    };
    for await (const r of records) {
      const need = frameBytes(r.length);
      if (used + need > buf.length) {
        await flush();
        if (need > buf.length) buf = Buffer.allocUnsafe(need);
      }
      used = writeFrame(buf, used, r);
    }
    await flush();
    await file.sync();
    await file.close();
    file = undefined;
    renameSync(tmp, final);
    syncDir(dir);
    return written;
  } catch (err) {
    await file?.close().catch(() => undefined);
    try {
      unlinkSync(tmp);
    } catch {
      // Removed on the next open (removeStaleCheckpoints).
    }
    throw walIoError('wal_checkpoint_failed', 'writing wal checkpoint', tmp, err);
  }
}

/** Makes a rename or unlink in `dir` durable. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
