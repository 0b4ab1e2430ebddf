// Proves that a WAL replay keeps the entries of a stream that left the head (idle) and came
// back under a new ref while an older checkpoint still names the old one: both refs are
// the same stream, and neither is handed out again.
import { describe, expect, it } from 'vitest';
import { labelsFromObject } from '../../src/model/labels.js';
import { defaultLogHeadOptions, LogHead } from '../../src/logstore/head.js';
import { emptyLogReplayStats, replayLogRecord } from '../../src/logstore/head-replay.js';
import { beginEntries, encodeEntryGroup, encodeStreams } from '../../src/logstore/wal-records.js';
import { ByteWriter } from '../../src/util/bytes.js';

const T0 = 1_700_000_000_000;
const labels = labelsFromObject({ app: 'a' });

function record(fill: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter();
  fill(w);
  return w.finish();
}

describe('log WAL replay', () => {
  it('reads records of a second ref for the same labels into the same stream', () => {
    const records = [
      // The checkpoint: the stream under ref 1, with an entry.
      record((w) => encodeStreams(w, [{ ref: 1, labels }])),
      record((w) => {
        beginEntries(w, 1);
        encodeEntryGroup(w, 1, [{ tMs: T0, tNs: 0, line: 'one', metadata: [] }]);
      }),
      // Later segments: the stream came back as ref 7.
      record((w) => encodeStreams(w, [{ ref: 7, labels }])),
      record((w) => {
        beginEntries(w, 1);
        encodeEntryGroup(w, 7, [{ tMs: T0 + 1, tNs: 0, line: 'two', metadata: [] }]);
      }),
    ];
    const head = new LogHead('t', defaultLogHeadOptions());
    const stats = emptyLogReplayStats();
    for (const r of records) replayLogRecord(head, r, stats, T0);
    head.endReplay();
    expect(stats.unknownRefs).toBe(0);
    expect(head.streams.size).toBe(1);
    const s = head.byLabels(labels)!;
    expect(s.open.entries().map((e) => e.line)).toEqual(['one', 'two']);
    expect(head.create(labelsFromObject({ app: 'b' })).ref).toBeGreaterThan(7);
  });
});
