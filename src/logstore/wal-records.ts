/**
 * The log store's WAL records (payloads of the generic WAL's frames). The first byte is
 * the type:
 *
 * - Streams (1): new streams of a request: `count, {ref, nLabels, {name, value}}`.
 * - Entries (2): `count, {ref, n, {tMs, tNs, line, nMeta, {name, value}}}` — groups of
 *   entries per stream ref, in the order appended.
 * - RawPush (4): a request body as received: `format, nStreams, {ref}, nRefused,
 *   {streamIndex, entryIndex}, body` (ref 0: the stream stored nothing); replay decodes
 *   the body with the store's decoder and appends what was appended live.
 * - Chunk (3, checkpoints only): a compressed head chunk of a stream: `ref, codec, minTMs,
 *   maxTMs, entries, rawBytes, data, filter`.
 *
 * Integers are unsigned varints (ms timestamps fit: < 2^53), strings and byte strings are
 * length-prefixed. Layout in FORMAT.md beside the chunk format.
 */
import type { Label, Labels } from '../model/labels.js';
import { ByteReader, ByteWriter } from '../util/bytes.js';
import { CairnError } from '../util/errors.js';
import { codecId } from './chunk/codec.js';
import type { EncodedChunk } from './chunk/encoded-chunk.js';
import { ByteLineEntry, type LogEntry } from './entry.js';
import type { RawPushSource } from './interface.js';

export const enum LogRecordType {
  Streams = 1,
  Entries = 2,
  Chunk = 3,
  RawPush = 4,
}

const NO_METADATA: readonly Label[] = Object.freeze([]);

export function encodeStreams(w: ByteWriter, streams: readonly { ref: number; labels: Labels }[]): void {
  w.byte(LogRecordType.Streams);
  w.uvarint(streams.length);
  for (const s of streams) {
    w.uvarint(s.ref);
    w.uvarint(s.labels.length);
    for (const l of s.labels) {
      w.string(l.name);
      w.string(l.value);
    }
  }
}

/** Writes one stream's group of an Entries record (after `beginEntries`). */
export function encodeEntryGroup(w: ByteWriter, ref: number, entries: readonly LogEntry[]): void {
  w.uvarint(ref);
  w.uvarint(entries.length);
  for (const e of entries) {
    w.uvarint(e.tMs);
    w.uvarint(e.tNs);
    // A byte line is written as its bytes (not made a string): the same length-prefixed
    // layout, and a line that is not valid UTF-8 stays as it was.
    if (e instanceof ByteLineEntry) w.bytes(e.buf.subarray(e.start, e.end));
    else w.string(e.line);
    w.uvarint(e.metadata.length);
    for (const m of e.metadata) {
      w.string(m.name);
      w.string(m.value);
    }
  }
}

export function beginEntries(w: ByteWriter, groups: number): void {
  w.byte(LogRecordType.Entries);
  w.uvarint(groups);
}

export function encodeChunkRecord(w: ByteWriter, ref: number, c: EncodedChunk): void {
  w.byte(LogRecordType.Chunk);
  w.uvarint(ref);
  w.uvarint(codecId(c.codec));
  w.uvarint(c.minTMs);
  w.uvarint(c.maxTMs);
  w.uvarint(c.entries);
  w.uvarint(c.rawBytes);
  w.bytes(c.data);
  w.bytes(c.filter ?? new Uint8Array(0));
}

export function encodeRawPush(w: ByteWriter, raw: RawPushSource): void {
  w.byte(LogRecordType.RawPush);
  w.uvarint(raw.format);
  w.uvarint(raw.refs.length);
  for (let i = 0; i < raw.refs.length; i++) w.uvarint(raw.refs[i]!);
  w.uvarint(raw.refused.length);
  for (const n of raw.refused) w.uvarint(n);
  w.bytes(raw.body);
}

export interface LogRecordVisitor {
  stream(ref: number, labels: Labels): void;
  /** An entry of an Entries record; its line is a range of `payload`, valid during the call. */
  entry(ref: number, e: LogEntry): void;
  chunk(ref: number, c: EncodedChunk): void;
  raw(raw: RawPushSource): void;
}

/** Decodes one record; throws a CairnError (`corrupt_record`) when it does not decode. */
export function decodeLogRecord(payload: Uint8Array, v: LogRecordVisitor): void {
  const r = new ByteReader(payload);
  const type = r.byte();
  switch (type) {
    case LogRecordType.Streams: {
      const n = r.uvarint();
      for (let i = 0; i < n; i++) {
        const ref = r.uvarint();
        const nl = r.uvarint();
        const labels: Label[] = [];
        for (let j = 0; j < nl; j++) labels.push({ name: r.string(), value: r.string() });
        v.stream(ref, labels);
      }
      return;
    }
    case LogRecordType.Entries: {
      // Lines come out as byte ranges of the payload, as stored: no string per line, and
      // bytes that are not valid UTF-8 replay unchanged.
      const text = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
      const groups = r.uvarint();
      for (let g = 0; g < groups; g++) {
        const ref = r.uvarint();
        const n = r.uvarint();
        for (let i = 0; i < n; i++) {
          const tMs = r.uvarint();
          const tNs = r.uvarint();
          const line = r.bytes();
          const start = line.byteOffset - text.byteOffset;
          const nm = r.uvarint();
          let metadata = NO_METADATA;
          if (nm > 0) {
            const m: Label[] = [];
            for (let j = 0; j < nm; j++) m.push({ name: r.string(), value: r.string() });
            metadata = m;
          }
          v.entry(ref, new ByteLineEntry(tMs, tNs, text, start, start + line.length, metadata));
        }
      }
      return;
    }
    case LogRecordType.Chunk: {
      const ref = r.uvarint();
      const codec = r.uvarint();
      const minTMs = r.uvarint();
      const maxTMs = r.uvarint();
      const entries = r.uvarint();
      const rawBytes = r.uvarint();
      const data = r.bytes().slice();
      const f = r.bytes();
      v.chunk(ref, { codec, data, minTMs, maxTMs, entries, rawBytes, filter: f.length > 0 ? f.slice() : null });
      return;
    }
    case LogRecordType.RawPush: {
      const format = r.uvarint();
      const n = r.uvarint();
      const refs: number[] = [];
      for (let i = 0; i < n; i++) refs.push(r.uvarint());
      const nr = r.uvarint();
      const refused: number[] = [];
      for (let i = 0; i < nr; i++) refused.push(r.uvarint());
      v.raw({ format, refs, refused, body: r.bytes() });
      return;
    }
    default:
      throw new CairnError('internal', 'corrupt_record', `corrupt record: unknown log record type ${type}`);
  }
}
