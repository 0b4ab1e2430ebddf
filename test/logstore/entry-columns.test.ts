// Proves that request columns give back their entries exactly (times, line bytes, metadata,
// sizes as entryBytes counts them), that entry objects are put into columns with the bytes
// the store would write for them, and that a buffer past the offsets' range is refused.
import { describe, expect, it } from 'vitest';
import { columnsOf, EntryColumns } from '../../src/logstore/entry-columns.js';
import { ByteLineEntry, entryBytes, type LogEntry } from '../../src/logstore/entry.js';

const meta = [{ name: 'trace_id', value: 'abc' }];

describe('EntryColumns', () => {
  it('holds entries as times and byte ranges, growing past its first length', () => {
    const buf = Buffer.from('x'.repeat(100));
    const cols = new EntryColumns(buf, 1);
    for (let i = 0; i < 40; i++) expect(cols.push(1000 + i, i, i, i + 2, i === 7 ? meta : [])).toBe(i);
    expect(cols.count).toBe(40);
    expect([cols.tMs[39], cols.tNs[39], cols.lineBytes(39)]).toEqual([1039, 39, 2]);
    expect(cols.metadata(7)).toEqual(meta);
    expect(cols.metadata(6)).toEqual([]);
    expect(cols.entryBytes(7)).toBe(2 + 'trace_id'.length + 'abc'.length);
    const e = cols.entry(7);
    expect([e.tMs, e.tNs, e.line, e.metadata]).toEqual([1007, 7, 'xx', meta]);
    expect(cols.entries(38, 40).map((x) => x.tMs)).toEqual([1038, 1039]);
  });

  it('takes entry objects with the bytes the store would write for them', () => {
    const body = Buffer.from('..raw\xffline..', 'latin1');
    const lists: LogEntry[][] = [
      [
        { tMs: 1, tNs: 2, line: 'héllo', metadata: [] },
        { tMs: 3, tNs: 0, line: 'lone \ud800 surrogate', metadata: meta },
      ],
      [],
      [new ByteLineEntry(5, 6, body, 2, 10, [])],
    ];
    const { columns, starts } = columnsOf(lists);
    expect(starts).toEqual([0, 2, 2]);
    const all = lists.flat();
    all.forEach((e, i) => {
      const bytes = e instanceof ByteLineEntry ? e.buf.subarray(e.start, e.end) : Buffer.from(e.line, 'utf8');
      expect(columns.buf.subarray(columns.start[i]!, columns.end[i]!)).toEqual(bytes);
      expect(columns.entryBytes(i)).toBe(entryBytes(e));
      expect([columns.tMs[i], columns.tNs[i], columns.metadata(i)]).toEqual([e.tMs, e.tNs, e.metadata]);
    });
  });

  it('refuses a buffer whose offsets an Int32Array cannot hold', () => {
    expect(() => new EntryColumns({ length: 2 ** 31 } as Buffer)).toThrow(expect.objectContaining({ kind: 'too_large', reason: 'request_too_large' }));
  });
});
