// Proves that entries whose line is bytes (ByteLineEntry, what the protobuf push decoder
// makes) keep those bytes exactly through the head: the open buffer, retention's rewrite
// of it, WAL Entries records and checkpoints; and that the newest-entry duplicate rule
// compares stored bytes whether the newest entry is open, sealed or moved by retention.
import { describe, expect, it } from 'vitest';
import { ByteLineEntry, lineByteLength, sameLine, type LogEntry } from '../../src/logstore/entry.js';
import { defaultLogHeadOptions, LogHead } from '../../src/logstore/head.js';
import { emptyLogReplayStats, replayLogRecord } from '../../src/logstore/head-replay.js';
import { OpenBuffer } from '../../src/logstore/open-buffer.js';
import { checkpointRecords } from '../../src/logstore/tenant-log-store.js';
import { beginEntries, encodeEntryGroup, encodeStreams } from '../../src/logstore/wal-records.js';
import { labelsFromObject } from '../../src/model/labels.js';
import { ByteWriter } from '../../src/util/bytes.js';

const T0 = 1_700_000_000_000;
const labels = labelsFromObject({ app: 'a' });

/** A byte-line entry whose line is `hex`, placed at an offset inside a larger buffer. */
function bytesEntry(tMs: number, hex: string, tNs = 0): ByteLineEntry {
  const line = Buffer.from(hex, 'hex');
  const buf = Buffer.concat([Buffer.from([0xee, 0xee, 0xee]), line, Buffer.from([0xee])]);
  return new ByteLineEntry(tMs, tNs, buf, 3, 3 + line.length, []);
}

const str = (tMs: number, line: string): LogEntry => ({ tMs, tNs: 0, line, metadata: [] });
const hexOf = (b: OpenBuffer): string[] => b.byteEntries().map((e) => e.buf.subarray(e.start, e.end).toString('hex'));

describe('ByteLineEntry', () => {
  it.each([
    { name: 'invalid UTF-8 reads as U+FFFD, counts raw bytes', hex: '61ff62', line: 'a\ufffdb', n: 3 },
    { name: 'multi-byte text', hex: Buffer.from('日本').toString('hex'), line: '日本', n: 6 },
    { name: 'empty', hex: '', line: '', n: 0 },
  ])('$name', ({ hex, line, n }) => {
    const e = bytesEntry(T0, hex);
    expect([e.line, lineByteLength(e)]).toEqual([line, n]);
  });

  it.each([
    { name: 'equal bytes', a: bytesEntry(T0, '61ff'), b: bytesEntry(T0, '61ff'), same: true },
    { name: 'bytes that decode alike', a: bytesEntry(T0, '61ff'), b: bytesEntry(T0, '61fe'), same: false },
    { name: 'a string with the same UTF-8', a: bytesEntry(T0, 'c3a9'), b: str(T0, 'é'), same: true },
    { name: 'U+FFFD against the invalid byte it replaces', a: str(T0, 'a\ufffd'), b: bytesEntry(T0, '61ff'), same: false },
    { name: 'two strings', a: str(T0, 'x'), b: str(T0, 'x'), same: true },
  ])('sameLine: $name', ({ a, b, same }) => {
    expect([sameLine(a, b), sameLine(b, a)]).toEqual([same, same]);
  });
});

describe('OpenBuffer with byte lines', () => {
  it('stores the bytes as they are, beside string lines, and keeps them through keepFrom', () => {
    const b = new OpenBuffer();
    expect(b.appendBytes(T0, 0, Buffer.from('ee61ffee', 'hex'), 1, 3, [])).toBe(2);
    expect(b.append(T0 + 1, 0, 'é', [])).toBe(2);
    expect(b.appendBytes(T0 + 2, 5, Buffer.from('c3', 'hex'), 0, 1, [{ name: 'k', value: 'v' }])).toBe(1);
    expect(hexOf(b)).toEqual(['61ff', 'c3a9', 'c3']);
    expect(b.entries().map((e) => e.line)).toEqual(['a\ufffd', 'é', '\ufffd']);
    const kept = b.keepFrom(T0 + 1);
    expect(hexOf(kept)).toEqual(['c3a9', 'c3']);
    expect(kept.byteEntries()[1]!.metadata).toEqual([{ name: 'k', value: 'v' }]);
  });
});

describe('OpenBuffer size hints', () => {
  it.each([
    { name: 'no hint', hint: undefined },
    { name: 'a hint smaller than the contents', hint: { entries: 2, lineBytes: 3 } },
    { name: 'a hint larger than the contents', hint: { entries: 5000, lineBytes: 1 << 20 } },
  ])('holds the same entries with $name', ({ hint }) => {
    const b = new OpenBuffer(hint);
    const want: string[] = [];
    for (let i = 0; i < 300; i++) {
      const line = i % 3 === 0 ? '' : `line ${i} ${'é'.repeat(i % 50)}`;
      want.push(line);
      if (i % 2 === 0) b.append(T0 + i, 0, line, []);
      else b.appendBytes(T0 + i, 0, Buffer.from(line), 0, Buffer.byteLength(line), []);
    }
    expect(b.entries().map((e) => e.line)).toEqual(want);
    expect(b.sizeHint()).toEqual({ entries: 300, lineBytes: want.reduce((n, l) => n + Buffer.byteLength(l), 0) });
  });
});

describe('log head with byte lines', () => {
  it('replays WAL Entries records and checkpoints with the bytes unchanged', () => {
    const head = new LogHead('t', defaultLogHeadOptions());
    const w = new ByteWriter();
    encodeStreams(w, [{ ref: 1, labels }]);
    const streams = w.finish();
    const w2 = new ByteWriter();
    beginEntries(w2, 1);
    encodeEntryGroup(w2, 1, [bytesEntry(T0, '61ff62'), str(T0 + 1, 'é'), bytesEntry(T0 + 2, 'fe')]);
    const entries = w2.finish();
    const stats = emptyLogReplayStats();
    for (const r of [streams, entries]) replayLogRecord(head, r, stats, T0);
    const want = ['61ff62', 'c3a9', 'fe'];
    expect(hexOf(head.byLabels(labels)!.open)).toEqual(want);

    const again = new LogHead('t', defaultLogHeadOptions());
    for (const r of checkpointRecords(head)) replayLogRecord(again, r, emptyLogReplayStats(), T0);
    expect(hexOf(again.byLabels(labels)!.open)).toEqual(want);
  });

  it('checkpoints a sealed chunk not yet compressed with its bytes unchanged', () => {
    const head = new LogHead('t', defaultLogHeadOptions());
    const s = head.create(labels);
    head.append(s, bytesEntry(T0, '61ff62'), 3, T0);
    head.append(s, bytesEntry(T0 + 1, 'fe'), 1, T0);
    head.sealAll(); // the entries now live in a chunk's raw bytes until a worker compresses it
    expect(s.open.count).toBe(0);
    const again = new LogHead('t', defaultLogHeadOptions());
    for (const r of checkpointRecords(head)) replayLogRecord(again, r, emptyLogReplayStats(), T0);
    expect(hexOf(again.byLabels(labels)!.open)).toEqual(['61ff62', 'fe']);
  });

  // The newest entry's line lives in the open buffer, then in a copy once sealed or once
  // retention rewrote the buffer: each place compares bytes.
  const states = [
    { state: 'open', after: () => {} },
    { state: 'sealed', after: (h: LogHead) => h.sealAll() },
    { state: 'moved by retention', after: (h: LogHead) => h.dropBefore(T0 + 1) },
  ];
  const candidates = [
    { name: 'the same bytes', e: bytesEntry(T0 + 5, '61ff'), dup: true },
    { name: 'other bytes that read alike', e: bytesEntry(T0 + 5, '61fe'), dup: false },
    { name: 'another time', e: bytesEntry(T0 + 6, '61ff'), dup: false },
  ];
  it.each(states.flatMap((s) => candidates.map((c) => ({ ...s, ...c }))))('isNewest, newest $state: $name', ({ after, e, dup }) => {
    const head = new LogHead('t', defaultLogHeadOptions());
    const s = head.create(labels);
    head.append(s, bytesEntry(T0, '00'), 1, T0);
    head.append(s, bytesEntry(T0 + 5, '61ff'), 2, T0);
    head.append(s, bytesEntry(T0 + 2, '01'), 1, T0); // out of order: not the newest
    after(head);
    expect(s.isNewest(e)).toBe(dup);
  });

  it('isNewest compares a string line by its UTF-8', () => {
    const head = new LogHead('t', defaultLogHeadOptions());
    const s = head.create(labels);
    head.append(s, bytesEntry(T0, 'c3a9'), 2, T0);
    expect([s.isNewest(str(T0, 'é')), s.isNewest(str(T0, 'e'))]).toEqual([true, false]);
  });
});
