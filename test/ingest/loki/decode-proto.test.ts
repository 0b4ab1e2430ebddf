// Proves that the hand-written Loki protobuf decoder returns exactly what protobufjs encoded (edge cases by table, random requests by property), keeps nanoseconds exact, skips unknown fields, and refuses every malformed body with a bad_data CairnError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { decodePushProto } from '../../../src/ingest/loki/decode-proto.js';
import { formatSelectorLabels, INVALID_LABELS, SelectorLabelsCache } from '../../../src/ingest/loki/selector-labels.js';
import type { PushRequest } from '../../../src/ingest/loki/types.js';
import { formatNs } from '../../../src/logstore/entry.js';
import type { Label } from '../../../src/model/labels.js';
import { CairnError } from '../../../src/util/errors.js';
import {
  body,
  caught,
  E,
  encodePush,
  fGroup,
  fI32,
  fI64,
  fLen,
  fVar,
  L,
  pEntry,
  pLabels,
  pLine,
  pMeta,
  pStream,
  pTs,
  str,
  tg,
  unknownFields,
  vi,
  withStringLines,
  WT,
  type TestStream,
} from './helpers.js';
import { applyEdits, byteEdits } from '../../helpers/byte-edits.js';

describe('decodePushProto: valid', () => {
  const rows: { name: string; input: Uint8Array; expected: PushRequest }[] = [
    { name: 'empty request', input: body(), expected: { streams: [] } },
    {
      name: 'one stream from protobufjs',
      input: encodePush([{ labels: '{job="app", level="info"}', entries: [{ seconds: 1700000000, nanos: 123456789, line: 'hello' }, { seconds: 1700000001, nanos: 0, line: '' }] }]),
      expected: { streams: [{ labels: [L('job', 'app'), L('level', 'info')], labelsText: '{job="app", level="info"}', entries: [E(1700000000123, 456789, 'hello'), E(1700000001000, 0, '')] }] },
    },
    {
      name: 'structured metadata kept, parsed ignored',
      input: encodePush([{ labels: '{a="b"}', entries: [{ seconds: 1, nanos: 1, line: 'l', metadata: [L('trace_id', 'abc'), L('x', 'y')], parsed: [L('p', 'q')] }] }]),
      expected: { streams: [{ labels: [L('a', 'b')], labelsText: '{a="b"}', entries: [E(1000, 1, 'l', [L('trace_id', 'abc'), L('x', 'y')])] }] },
    },
    {
      name: 'metadata: empty values kept (as Loki), repeated names keep the last value',
      input: body(pStream(pLabels('{a="b"}'), pEntry(pTs(1, 0), pLine('l'), pMeta('k', '1'), pMeta('e', ''), pMeta('j', 'x'), pMeta('k', '2'), pMeta('j', '')))),
      expected: { streams: [{ labels: [L('a', 'b')], labelsText: '{a="b"}', entries: [E(1000, 0, 'l', [L('k', '2'), L('e', ''), L('j', '')])] }] },
    },
    {
      name: 'metadata strings of equal length in the same position across entries stay distinct',
      input: body(pStream(pLabels('{a="b"}'), pEntry(pMeta('ab', 'x1'), pMeta('cd', 'y')), pEntry(pMeta('ab', 'x2'), pMeta('ce', 'y')), pEntry(pMeta('ab', 'x2'), pMeta('cd', 'z')))),
      expected: {
        streams: [
          {
            labels: [L('a', 'b')],
            labelsText: '{a="b"}',
            entries: [E(0, 0, '', [L('ab', 'x1'), L('cd', 'y')]), E(0, 0, '', [L('ab', 'x2'), L('ce', 'y')]), E(0, 0, '', [L('ab', 'x2'), L('cd', 'z')])],
          },
        ],
      },
    },
    {
      name: 'many metadata pairs with a repeat (the linear path)',
      input: body(pStream(pLabels('{a="b"}'), pEntry(...Array.from({ length: 12 }, (_, i) => pMeta(`m${i % 10}`, `v${i}`))))),
      expected: { streams: [{ labels: [L('a', 'b')], labelsText: '{a="b"}', entries: [E(0, 0, '', [L('m0', 'v10'), L('m1', 'v11'), ...Array.from({ length: 8 }, (_, i) => L(`m${i + 2}`, `v${i + 2}`))])] }] },
    },
    {
      name: 'absent timestamp is the epoch; absent fields are empty',
      input: body(pStream(pLabels('{a="b"}'), pEntry(pLine('x')), pEntry(fLen(1, [])), pEntry())),
      expected: { streams: [{ labels: [L('a', 'b')], labelsText: '{a="b"}', entries: [E(0, 0, 'x'), E(0, 0, ''), E(0, 0, '')] }] },
    },
    {
      name: 'stream without labels field: the empty set, labelsText ""',
      input: body(pStream(pEntry(pTs(1, 0)))),
      expected: { streams: [{ labels: [], labelsText: '', entries: [E(1000, 0, '')] }] },
    },
    {
      // A repeated timestamp replaces the earlier one whole (Loki's gogo stdtime code does), it is not merged.
      name: 'fields in any order, labels after entries, repeated fields: last wins',
      input: body(pStream(pEntry(pLine('first'), pTs(2, 5), pLine('second'), fLen(1, fVar(2, 7))), pLabels('{x="1"}'), pLabels('{y="2"}'))),
      expected: { streams: [{ labels: [L('y', '2')], labelsText: '{y="2"}', entries: [E(0, 7, 'second')] }] },
    },
    {
      name: 'timestamp sub-fields reversed and repeated',
      input: body(pStream(pLabels('{a="b"}'), pEntry(fLen(1, [...fVar(2, 999_999_999), ...fVar(1, 5), ...fVar(1, 1_700_000_000)])))),
      expected: { streams: [{ labels: [L('a', 'b')], labelsText: '{a="b"}', entries: [E(1_700_000_000_999, 999_999, '')] }] },
    },
    {
      name: 'extreme valid timestamps',
      input: body(pStream(pLabels('{a="b"}'), pEntry(pTs(0, 0)), pEntry(pTs(0, 1)), pEntry(pTs(253_402_300_799, 999_999_999)), pEntry(pTs(2 ** 31, 0)), pEntry(pTs(2 ** 35 + 3, 1_000_000)))),
      expected: {
        streams: [
          {
            labels: [L('a', 'b')],
            labelsText: '{a="b"}',
            entries: [E(0, 0, ''), E(0, 1, ''), E(253_402_300_799_999, 999_999, ''), E(2 ** 31 * 1000, 0, ''), E((2 ** 35 + 3) * 1000 + 1, 0, '')],
          },
        ],
      },
    },
    {
      name: 'hash and format fields ignored',
      input: body(fLen(2, str('loki')), pStream(pLabels('{a="b"}'), fVar(3, 2n ** 64n - 1n), pEntry(pTs(1, 0)))),
      expected: { streams: [{ labels: [L('a', 'b')], labelsText: '{a="b"}', entries: [E(1000, 0, '')] }] },
    },
    {
      name: 'unknown fields of every wire type at every level',
      input: body(
        unknownFields(20),
        pStream(
          unknownFields(10),
          pLabels('{a="b"}'),
          pEntry(unknownFields(10), fLen(1, [...unknownFields(3), ...fVar(1, 3), ...unknownFields(30), ...fVar(2, 4)]), pLine('l'), fLen(3, [...unknownFields(3), ...fLen(1, str('n')), ...fLen(2, str('v'))]), fLen(4, unknownFields(5))),
        ),
        unknownFields(40),
      ),
      expected: { streams: [{ labels: [L('a', 'b')], labelsText: '{a="b"}', entries: [E(3000, 4, 'l', [L('n', 'v')])] }] },
    },
    {
      name: 'non-minimal tag and length varints',
      // streams as the 2-byte tag 8a 00, its length 3 as 83 80 00; in it an entry 12 with length 0 as 80 00.
      input: body([0x8a, 0x00, 0x83, 0x80, 0x00, 0x12, 0x80, 0x00]),
      expected: { streams: [{ labels: [], labelsText: '', entries: [E(0, 0, '')] }] },
    },
    {
      name: 'invalid UTF-8 becomes U+FFFD; multi-byte text intact',
      input: body(pStream(pLabels('{a="é"}'), pEntry(fLen(2, [0x61, 0xff, 0x62, 0xc3]), pMeta('k', '日本')))),
      expected: { streams: [{ labels: [L('a', 'é')], labelsText: '{a="é"}', entries: [E(0, 0, 'a\ufffdb\ufffd', [L('k', '日本')])] }] },
    },
    {
      name: 'long line with a 3-byte length',
      input: encodePush([{ labels: '{a="b"}', entries: [{ seconds: 1, nanos: 0, line: 'x'.repeat(70_000) }] }]),
      expected: { streams: [{ labels: [L('a', 'b')], labelsText: '{a="b"}', entries: [E(1000, 0, 'x'.repeat(70_000))] }] },
    },
  ];
  it.each(rows)('$name', ({ input, expected }) => {
    expect(withStringLines(decodePushProto(input))).toEqual(expected);
  });

  it('decodes from a Buffer view at an offset in a larger ArrayBuffer', () => {
    const inner = encodePush([{ labels: '{a="b"}', entries: [{ seconds: 7, nanos: 8, line: 'ok' }] }]);
    const outer = Buffer.alloc(inner.length + 10, 0xee);
    outer.set(inner, 5);
    expect(withStringLines(decodePushProto(outer.subarray(5, 5 + inner.length)))).toEqual({ streams: [{ labels: [L('a', 'b')], labelsText: '{a="b"}', entries: [E(7000, 8, 'ok')] }] });
    expect(decodePushProto(new Uint8Array(outer.buffer, outer.byteOffset + 5, inner.length)).streams[0]!.entries[0]!.line).toBe('ok');
  });

  it('parses each label string once through the cache', () => {
    const cache = new SelectorLabelsCache();
    const b = encodePush([{ labels: '{a="b"}', entries: [] }, { labels: '{a="b"}', entries: [] }]);
    const r1 = decodePushProto(b, cache);
    const r2 = decodePushProto(b, cache);
    expect(cache.size).toBe(1);
    expect(r1.streams[0]!.labels).toBe(r1.streams[1]!.labels);
    expect(r2.streams[0]!.labels).toBe(r1.streams[0]!.labels);
  });
});

describe('decodePushProto: exact nanoseconds', () => {
  it('keeps 1700000000.123456789 s as 1700000000123 ms + 456789 ns', () => {
    const e = decodePushProto(encodePush([{ labels: '{a="b"}', entries: [{ seconds: 1700000000, nanos: 123456789, line: 'x' }] }])).streams[0]!.entries[0]!;
    expect([e.tMs, e.tNs]).toEqual([1700000000123, 456789]);
    expect(formatNs(e.tMs, e.tNs)).toBe('1700000000123456789');
  });
});

/** Every error must be a bad_data CairnError; returns it for further checks. */
function badData(input: Uint8Array): CairnError {
  const e = caught(() => decodePushProto(input));
  expect(e).toBeInstanceOf(CairnError);
  expect((e as CairnError).kind).toBe('bad_data');
  return e as CairnError;
}

describe('decodePushProto: invalid', () => {
  const nest = (depth: number): number[] => (depth === 0 ? [] : fGroup(9, nest(depth - 1)));
  const rows: { name: string; input: Uint8Array; error: string; reason?: string }[] = [
    { name: 'truncated tag varint', input: body([0x8a]), error: 'truncated tag varint (at byte 0 of 1)' },
    { name: 'truncated length', input: body([0x0a]), error: 'truncated length' },
    { name: 'length past the end', input: body([0x0a, 0x05, 0x00]), error: 'length 5 runs past the end of the enclosing message at byte 3' },
    { name: 'length past the end of the enclosing stream', input: body(fLen(1, [0x12, 0x10, 0x00])), error: 'length 16 runs past the end of the enclosing message at byte 5' },
    { name: 'huge length varint', input: body([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), error: 'runs past the end' },
    { name: 'length varint longer than 10 bytes', input: body([0x0a, ...Array(10).fill(0x80), 0x00]), error: 'length varint longer than 10 bytes' },
    { name: 'truncated varint in an unknown field', input: body([...tg(20, WT.varint), 0x80]), error: 'truncated varint' },
    { name: 'varint longer than 10 bytes', input: body([...tg(20, WT.varint), ...Array(10).fill(0xff), 0x01]), error: 'varint longer than 10 bytes' },
    { name: 'truncated fixed64', input: body([...tg(20, WT.i64), 1, 2, 3]), error: 'truncated 8-byte value of field 20' },
    { name: 'truncated fixed32', input: body([...tg(20, WT.i32), 1]), error: 'truncated 4-byte value of field 20' },
    { name: 'field number 0', input: body([0x02, 0x00]), error: 'field number 0' },
    { name: 'wire type 6', input: body([0x0e]), error: 'invalid wire type 6 for field 1' },
    { name: 'wire type 7 on an unknown field', input: body([...tg(20, 7)]), error: 'invalid wire type 7 for field 20' },
    { name: 'stray end-group', input: body(tg(20, WT.egroup)), error: 'unexpected end-group for field 20' },
    { name: 'unclosed group', input: body([...tg(20, WT.sgroup), ...fVar(1, 1)]), error: 'group of field 20 is not closed' },
    { name: 'mismatched end-group', input: body([...tg(20, WT.sgroup), ...tg(21, WT.egroup)]), error: 'end-group for field 21 closes a group of field 20' },
    { name: 'groups nested too deep', input: body(nest(101)), error: 'groups nested deeper than 100' },
    { name: 'streams as a varint', input: body(fVar(1, 5)), error: 'field 1 of PushRequest has wire type 0, expected 2' },
    { name: 'format as a varint', input: body(fVar(2, 5)), error: 'field 2 of PushRequest has wire type 0, expected 2' },
    { name: 'labels as a fixed32', input: body(pStream(fI32(1, 5))), error: 'field 1 of StreamAdapter has wire type 5, expected 2' },
    { name: 'entries as a varint', input: body(pStream(fVar(2, 1))), error: 'field 2 of StreamAdapter has wire type 0, expected 2' },
    { name: 'hash as bytes', input: body(pStream(fLen(3, []))), error: 'field 3 of StreamAdapter has wire type 2, expected 0' },
    { name: 'timestamp as a varint', input: body(pStream(pEntry(fVar(1, 1)))), error: 'field 1 of EntryAdapter has wire type 0, expected 2' },
    { name: 'line as a varint', input: body(pStream(pEntry(fVar(2, 1)))), error: 'field 2 of EntryAdapter has wire type 0, expected 2' },
    { name: 'metadata as a fixed64', input: body(pStream(pEntry(fI64(3, 1n)))), error: 'field 3 of EntryAdapter has wire type 1, expected 2' },
    { name: 'parsed as a varint', input: body(pStream(pEntry(fVar(4, 1)))), error: 'field 4 of EntryAdapter has wire type 0, expected 2' },
    { name: 'seconds as bytes', input: body(pStream(pEntry(fLen(1, fLen(1, []))))), error: 'field 1 of Timestamp has wire type 2, expected 0' },
    { name: 'nanos as fixed32', input: body(pStream(pEntry(fLen(1, fI32(2, 1))))), error: 'field 2 of Timestamp has wire type 5, expected 0' },
    { name: 'metadata name as a varint', input: body(pStream(pEntry(fLen(3, fVar(1, 1))))), error: 'field 1 of LabelPairAdapter has wire type 0, expected 2' },
    // Cairn ignores `parsed`, but Loki's decoder reads its pairs and refuses a malformed one.
    { name: 'parsed name as a varint', input: body(pStream(pEntry(fLen(4, fVar(1, 1))))), error: 'field 1 of LabelPairAdapter has wire type 0, expected 2' },
    { name: 'parsed pair with field number 0', input: body(pStream(pEntry(fLen(4, [0, 1])))), error: 'field number 0' },
    { name: 'nanos negative', input: body(pStream(pEntry(pTs(1, -1)))), error: 'timestamp nanos -1 out of range [0, 1000000000)' },
    { name: 'nanos one second', input: body(pStream(pEntry(pTs(1, 1_000_000_000)))), error: 'timestamp nanos 1000000000 out of range' },
    { name: 'seconds negative', input: body(pStream(pEntry(pTs(-1, 0)))), error: 'timestamp seconds -1 is negative (before 1970)' },
    { name: 'seconds int64 min', input: body(pStream(pEntry(pTs(-(2n ** 63n), 0)))), error: 'is negative (before 1970)' },
    { name: 'seconds in year 10000', input: body(pStream(pEntry(pTs(253_402_300_800, 0)))), error: 'timestamp seconds 253402300800 is after year 9999' },
    { name: 'seconds int64 max', input: body(pStream(pEntry(pTs(2n ** 63n - 1n, 0)))), error: 'is after year 9999' },
    { name: 'truncated seconds varint', input: body(pStream(pEntry(fLen(1, [...tg(1, WT.varint), 0x80])))), error: 'truncated varint' },
  ];
  it('refuses a stream whose labels do not parse alone, with Loki\'s message', () => {
    const req = decodePushProto(body(pStream(pLabels('{a=b}'))));
    expect(req.streams[0]!.labelsError?.reason).toBe(INVALID_LABELS);
    expect(req.streams[0]!.labelsError?.message).toBe("error parsing labels '{a=b}' with error: parse error at line 1, col 4: syntax error: unexpected IDENTIFIER, expecting STRING");
  });
  it.each(rows)('$name', ({ input, error, reason }) => {
    const e = badData(input);
    expect(e.reason).toBe(reason ?? 'protobuf_invalid');
    expect(e.message).toContain(error);
    if (reason === undefined) expect(e.message.startsWith('invalid protobuf push request: ')).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------
// Random requests: protobufjs encodes, the hand decoder must give back the same.

const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/);
const text = fc.string({ unit: 'binary', maxLength: 40 });
/** Metadata with unique names and non-empty values: what the decoder returns unchanged. */
// Names and values often drawn from a small pool, so that equal and equal-length strings meet in the same position across entries.
const metadata = fc.uniqueArray(
  fc.record({ name: fc.oneof(labelName, fc.constantFrom('ab', 'cd', 'trace_id')), value: fc.oneof(fc.constantFrom('x1', 'x2', 'yy'), fc.string({ unit: 'binary', minLength: 1, maxLength: 10 })) }),
  { selector: (l) => l.name, maxLength: 4 },
);
const entry = fc.record({
  seconds: fc.oneof(fc.integer({ min: 0, max: 253_402_300_799 }), fc.integer({ min: 1_600_000_000, max: 1_900_000_000 })),
  nanos: fc.integer({ min: 0, max: 999_999_999 }),
  line: text,
  metadata,
  parsed: fc.array(fc.record({ name: labelName, value: text }), { maxLength: 2 }),
});
const stream = fc.record({
  // U+FFFD written in a label value does not parse (selector-labels.test.ts).
  labels: fc.array(fc.record({ name: labelName, value: text.filter((v) => !v.includes('\ufffd')) }), { maxLength: 5 }),
  entries: fc.array(entry, { maxLength: 6 }),
});

describe('decodePushProto: round trip against protobufjs', () => {
  it('decodes what protobufjs encodes, for random requests', () => {
    fc.assert(
      fc.property(fc.array(stream, { maxLength: 5 }), fc.string({ maxLength: 5 }), (streams, format) => {
        const input: TestStream[] = streams.map((s) => ({ labels: formatSelectorLabels(s.labels), entries: s.entries }));
        const got = withStringLines(decodePushProto(encodePush(input, format)));
        const expected: PushRequest = {
          streams: streams.map((s, i) => ({
            labels: s.labels,
            labelsText: input[i]!.labels,
            entries: s.entries.map((e) => E(e.seconds * 1000 + Math.floor(e.nanos / 1e6), e.nanos % 1e6, e.line, e.metadata as Label[])),
          })),
        };
        expect(got).toEqual(expected);
        for (const s of got.streams) {
          for (const e of s.entries) expect(Number.isSafeInteger(e.tMs) && Number.isInteger(e.tNs) && e.tNs >= 0 && e.tNs < 1e6).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with protobufjs on exact timestamps (BigInt oracle)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799 }), fc.integer({ min: 0, max: 999_999_999 }), (seconds, nanos) => {
        const e = decodePushProto(body(pStream(pLabels('{a="b"}'), pEntry(pTs(seconds, nanos))))).streams[0]!.entries[0]!;
        expect(BigInt(e.tMs) * 1_000_000n + BigInt(e.tNs)).toBe(BigInt(seconds) * 1_000_000_000n + BigInt(nanos));
      }),
      { numRuns: 1000 },
    );
  });

  it('decodes a non-minimal 10-byte varint of seconds', () => {
    // 1 as 0x81 0x80 ... 0x00 (10 bytes): the value must survive the long form.
    const seconds = [0x81, ...Array(8).fill(0x80), 0x00];
    const e = decodePushProto(body(pStream(pEntry(fLen(1, [...tg(1, WT.varint), ...seconds]))))).streams[0]!.entries[0]!;
    expect([e.tMs, e.tNs]).toEqual([1000, 0]);
    expect(vi(1)).toEqual([1]);
  });
});

// ---------------------------------------------------------------------------------------
// Mutated bodies: a second decoder (protobufjs, over a copy of the schema with every string
// as bytes, so no UTF-8 rule hides a difference) must read the same request whenever the
// hand decoder accepts one. Loki's gogo code refuses what protobufjs refuses (a truncated
// field, a length past its message, a malformed sub-message, `parsed` pairs included), so
// a body accepted here and refused there would be answered 204 by Cairn and 400 by Loki.

const BytesPushRequest: protobuf.Type = protobuf
  .parse(
    `syntax = "proto3";
     message Ts { int64 seconds = 1; int32 nanos = 2; }
     message Pair { bytes name = 1; bytes value = 2; }
     message Entry { Ts timestamp = 1; bytes line = 2; repeated Pair structuredMetadata = 3; repeated Pair parsed = 4; }
     message Stream { bytes labels = 1; repeated Entry entries = 2; uint64 hash = 3; }
     message Push { repeated Stream streams = 1; bytes format = 2; }`,
    { keepCase: true },
  )
  .root.lookupType('Push');

interface Seen {
  labelsText: string;
  labels: readonly Label[];
  labelsError: string | undefined;
  entries: { tMs: number; tNs: number; line: string; metadata: readonly Label[] }[];
}

const textDecoder = new TextDecoder();
/** protobufjs gives an absent bytes field as its default, an empty array. */
const utf8 = (b: Uint8Array | number[]): string => textDecoder.decode(Uint8Array.from(b));

/** What the hand decoder read, lines as hex (their bytes are stored as sent). */
function seenByDecoder(input: Uint8Array): Seen[] {
  const { streams, columns } = decodePushProto(input, new SelectorLabelsCache());
  return streams.map((s) => {
    const entries: Seen['entries'] = [];
    for (let i = s.from; i < s.to; i++) {
      entries.push({ tMs: columns.tMs[i]!, tNs: columns.tNs[i]!, line: Buffer.from(columns.buf.subarray(columns.start[i], columns.end[i])).toString('hex'), metadata: [...columns.metadata(i)] });
    }
    return { labelsText: s.labelsText, labels: s.labels, labelsError: s.labelsError?.message, entries };
  });
}

interface RefPair { name: Uint8Array; value: Uint8Array }
interface RefEntry { timestamp?: { seconds: protobuf.Long | number; nanos: number }; line: Uint8Array; structuredMetadata: RefPair[] }
interface RefStream { labels: Uint8Array; entries: RefEntry[] }

/**
 * What the request says as Loki reads it: protobufjs's decoding, then Loki's rules (an
 * absent timestamp is the epoch; nanos in [0, 1e9); seconds from 1970 to year 9999; a
 * metadata name sent twice keeps its last value). `undefined`: Loki would refuse the body.
 */
function seenByReference(input: Uint8Array): Seen[] | undefined {
  let msg: { streams: RefStream[] };
  try {
    msg = BytesPushRequest.decode(input) as unknown as { streams: RefStream[] };
  } catch {
    return undefined;
  }
  const out: Seen[] = [];
  for (const s of msg.streams) {
    const labelsText = utf8(s.labels);
    let labels: readonly Label[] = [];
    let labelsError: string | undefined;
    try {
      labels = new SelectorLabelsCache().parse(labelsText);
    } catch (e) {
      labelsError = (e as Error).message;
    }
    const entries: Seen['entries'] = [];
    for (const e of s.entries) {
      const seconds = BigInt(e.timestamp?.seconds.toString() ?? '0');
      const nanos = e.timestamp?.nanos ?? 0;
      if (nanos < 0 || nanos >= 1e9 || seconds < 0n || seconds >= 253_402_300_800n) return undefined;
      const ns = seconds * 1_000_000_000n + BigInt(nanos);
      // A Map keeps a name at its first position; setting it again keeps the last value.
      const metadata = new Map<string, Label>();
      for (const p of e.structuredMetadata) metadata.set(utf8(p.name), { name: utf8(p.name), value: utf8(p.value) });
      entries.push({ tMs: Number(ns / 1_000_000n), tNs: Number(ns % 1_000_000n), line: Buffer.from(Uint8Array.from(e.line)).toString('hex'), metadata: [...metadata.values()] });
    }
    out.push({ labelsText, labels, labelsError, entries });
  }
  return out;
}

describe('decodePushProto: mutated bodies against protobufjs', () => {
  const seed: TestStream[] = [
    {
      labels: '{job="api", env="prod"}',
      entries: [
        { seconds: 1_700_000_000, nanos: 123_456_789, line: 'GET /a 200', metadata: [L('trace_id', 'abc'), L('span', 'x')], parsed: [L('p', 'q')] },
        { seconds: 1_700_000_001, nanos: 5, line: 'ü€ line two' },
      ],
    },
    { labels: '{job="db"}', entries: [{ seconds: 1_700_000_002, nanos: 999_999_999, line: 'slow query', metadata: [L('a', 'b')] }] },
  ];
  // A second body with what protobufjs never writes: a hash, unknown fields of every wire
  // type (groups too) in every message, fields out of order.
  const handWritten = body(
    pStream(
      fVar(3, 12345),
      pEntry(pLine('line'), unknownFields(9), pTs(1_700_000_003, 7), pMeta('k', 'v'), fLen(4, [...fLen(1, str('p')), ...unknownFields(5)])),
      pLabels('{job="x"}'),
      unknownFields(6),
    ),
    unknownFields(4),
  );
  const seeds = [encodePush(seed, 'fmt'), handWritten];
  // Mostly flips: a deletion or insertion shifts every length after it and is refused whole.
  const edits = byteEdits(['flip', 'flip', 'flip', 'delete', 'insert']);

  it('reads what protobufjs and Loki rules read, whenever it accepts a body', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.constantFrom(...seeds), edits, (valid, chosen) => {
        const input = applyEdits(valid, chosen);
        let got: Seen[];
        try {
          got = seenByDecoder(input);
        } catch (e) {
          expect(e).toBeInstanceOf(CairnError);
          return;
        }
        accepted++;
        expect(got).toEqual(seenByReference(input));
      }),
      { numRuns: 3000 },
    );
    // Many edits land in a line, a label or a time and leave a valid body.
    expect(accepted).toBeGreaterThan(300);
  });
});
