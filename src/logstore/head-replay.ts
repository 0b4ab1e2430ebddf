/**
 * Replaying the log WAL (and its checkpoint) into a head. Entries go through the same
 * sealing as live appends; an entry older than the head's floor (retention) is skipped.
 * Replaying a record twice doubles nothing a reader sees: equal entries are merged on read
 * and on sealing.
 */
import { lineByteLength, type LogEntry } from './entry.js';
import type { LogHead } from './head.js';
import { HeadChunk } from './head.js';
import { decodeLogRecord } from './wal-records.js';
import { CairnError } from '../util/errors.js';

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

/**
 * Decodes a request body kept in the WAL (RawPushSource) into its streams' entries, in
 * body order; the same decoder the push path used (wired in by the server).
 */
export type RawPushDecoder = (format: number, body: Uint8Array) => readonly { readonly entries: readonly LogEntry[] }[];

export function replayLogRecord(head: LogHead, payload: Uint8Array, stats: LogReplayStats, nowMs: number, decodeRaw?: RawPushDecoder): void {
  const appendEntry = (ref: number, e: LogEntry) => {
    const s = head.replayStream(ref);
    if (s === undefined) {
      stats.unknownRefs++;
      return;
    }
    if (e.tMs < head.floor) {
      stats.skippedEntries++;
      return;
    }
    head.append(s, e, lineByteLength(e), nowMs);
    stats.entries++;
  };
  decodeLogRecord(payload, {
    stream(ref, labels) {
      const s = head.create(labels, ref);
      s.walLogged = true;
      s.lastAppend = nowMs;
      stats.streams++;
    },
    entry: appendEntry,
    raw(raw) {
      if (decodeRaw === undefined) throw new CairnError('internal', 'corrupt_record', 'the log WAL holds request bodies but no decoder was given to replay them');
      const streams = decodeRaw(raw.format, raw.body);
      if (streams.length !== raw.refs.length) throw new CairnError('internal', 'corrupt_record', `corrupt record: a kept request body decodes to ${streams.length} streams, the record names ${raw.refs.length}`);
      const refused = new Set<number>();
      for (let i = 0; i + 1 < raw.refused.length; i += 2) refused.add(raw.refused[i]! * 0x100000000 + raw.refused[i + 1]!);
      for (let si = 0; si < streams.length; si++) {
        const ref = raw.refs[si]!;
        if (ref === 0) continue;
        const entries = streams[si]!.entries;
        for (let ei = 0; ei < entries.length; ei++) if (refused.size === 0 || !refused.has(si * 0x100000000 + ei)) appendEntry(ref, entries[ei]!);
      }
    },
    chunk(ref, c) {
      const s = head.replayStream(ref);
      if (s === undefined) {
        stats.unknownRefs++;
        return;
      }
      if (c.maxTMs < head.floor) {
        stats.skippedEntries += c.entries;
        return;
      }
      head.restoreChunk(s, new HeadChunk(undefined, c.minTMs, c.maxTMs, c.entries, c.rawBytes), c);
      stats.chunks++;
    },
  });
}
