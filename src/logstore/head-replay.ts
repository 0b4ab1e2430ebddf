/**
 * Replaying the log WAL (and its checkpoint) into a head. Entries go through the same
 * sealing as live appends; an entry older than the head's floor (retention) is skipped.
 * Replaying a record twice doubles nothing a reader sees: equal entries are merged on read
 * and on sealing.
 */
import type { LogHead } from './head.js';
import { HeadChunk, lineBytes } from './head.js';
import { decodeLogRecord } from './wal-records.js';

export interface LogReplayStats {
  streams: number;
  entries: number;
  chunks: number;
  skippedEntries: number;
  unknownRefs: number;
}

export function emptyLogReplayStats(): LogReplayStats {
  return { streams: 0, entries: 0, chunks: 0, skippedEntries: 0, unknownRefs: 0 };
}

export function replayLogRecord(head: LogHead, payload: Uint8Array, stats: LogReplayStats, nowMs: number): void {
  decodeLogRecord(payload, {
    stream(ref, labels) {
      const s = head.create(labels, ref);
      s.walLogged = true;
      s.lastAppend = nowMs;
      stats.streams++;
    },
    entry(ref, e) {
      const s = head.streams.get(ref);
      if (s === undefined) {
        stats.unknownRefs++;
        return;
      }
      if (e.tMs < head.floor) {
        stats.skippedEntries++;
        return;
      }
      head.append(s, e, lineBytes(e.line), nowMs);
      stats.entries++;
    },
    chunk(ref, c) {
      const s = head.streams.get(ref);
      if (s === undefined) {
        stats.unknownRefs++;
        return;
      }
      if (c.maxTMs < head.floor) {
        stats.skippedEntries += c.entries;
        return;
      }
      head.restoreChunk(s, new HeadChunk(undefined, undefined, c.minTMs, c.maxTMs, c.entries, c.rawBytes), c);
      stats.chunks++;
    },
  });
}
