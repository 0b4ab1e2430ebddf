// Proves that Loki v1 and legacy JSON push bodies decode to the streams and entries sent, with nanosecond timestamps split exactly, and that every malformed body is refused with a bad_data CairnError naming the field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLegacyPushJson, decodePushJson, JSON_INVALID } from '../../../src/ingest/loki/decode-json.js';
import { INVALID_LABELS } from '../../../src/ingest/loki/selector-labels.js';
import type { PushRequest } from '../../../src/ingest/loki/types.js';
import { formatNs } from '../../../src/logstore/entry.js';
import { CairnError } from '../../../src/util/errors.js';
import { caught, E, L } from './helpers.js';

const v1 = (streams: unknown[]): string => JSON.stringify({ streams });

describe('decodePushJson: valid', () => {
  const rows: { name: string; input: string | Buffer; expected: PushRequest }[] = [
    {
      name: 'one stream, two entries',
      input: v1([{ stream: { job: 'app', level: 'info' }, values: [['1700000000123456789', 'hello'], ['1700000000123456790', 'world']] }]),
      expected: {
        streams: [
          {
            labels: [L('job', 'app'), L('level', 'info')],
            labelsText: '{job="app", level="info"}',
            entries: [E(1700000000123, 456789, 'hello'), E(1700000000123, 456790, 'world')],
          },
        ],
      },
    },
    {
      name: 'as a Buffer, with non-ASCII text',
      input: Buffer.from(v1([{ stream: { a: 'é' }, values: [['1', 'ünïcødé 😀']] }])),
      expected: { streams: [{ labels: [L('a', 'é')], labelsText: '{a="é"}', entries: [E(0, 1, 'ünïcødé 😀')] }] },
    },
    {
      name: 'flat structured metadata',
      input: v1([{ stream: { a: 'b' }, values: [['1000000', 'l', { trace_id: 'abc', span: 'x' }]] }]),
      expected: { streams: [{ labels: [L('a', 'b')], labelsText: '{a="b"}', entries: [E(1, 0, 'l', [L('trace_id', 'abc'), L('span', 'x')])] }] },
    },
    {
      name: 'categorised metadata: structuredMetadata kept, parsed ignored',
      input: v1([{ stream: { a: 'b' }, values: [['5', 'l', { structuredMetadata: { t: '1' }, parsed: { p: '2' } }]] }]),
      expected: { streams: [{ labels: [L('a', 'b')], labelsText: '{a="b"}', entries: [E(0, 5, 'l', [L('t', '1')])] }] },
    },
    {
      name: 'categorised metadata with parsed only',
      input: v1([{ stream: { a: 'b' }, values: [['5', 'l', { parsed: { p: '2' } }]] }]),
      expected: { streams: [{ labels: [L('a', 'b')], labelsText: '{a="b"}', entries: [E(0, 5, 'l')] }] },
    },
    {
      name: 'flat metadata whose names are "parsed"/"structuredMetadata" with string values',
      input: v1([{ stream: { a: 'b' }, values: [['5', 'l', { parsed: 'x', structuredMetadata: 'y' }]] }]),
      expected: { streams: [{ labels: [L('a', 'b')], labelsText: '{a="b"}', entries: [E(0, 5, 'l', [L('parsed', 'x'), L('structuredMetadata', 'y')])] }] },
    },
    {
      name: 'empty metadata values kept (as Loki), null and {} metadata are none',
      input: v1([{ stream: { a: 'b' }, values: [['1', 'x', { e: '', f: 'g' }], ['2', 'y', null], ['3', 'z', {}]] }]),
      expected: { streams: [{ labels: [L('a', 'b')], labelsText: '{a="b"}', entries: [E(0, 1, 'x', [L('e', ''), L('f', 'g')]), E(0, 2, 'y'), E(0, 3, 'z')] }] },
    },
    {
      name: 'numbers and booleans tolerated as label and metadata values',
      input: v1([{ stream: { port: 8080, ok: true }, values: [['1', 'x', { n: 1.5 }]] }]),
      expected: { streams: [{ labels: [L('port', '8080'), L('ok', 'true')], labelsText: '{port="8080", ok="true"}', entries: [E(0, 1, 'x', [L('n', '1.5')])] }] },
    },
    {
      name: 'null streams, entries and values are skipped; missing parts are empty',
      input: v1([null, { stream: { a: 'b' }, values: [null, ['1', 'x']] }, { values: null }, {}]),
      expected: {
        streams: [
          { labels: [L('a', 'b')], labelsText: '{a="b"}', entries: [E(0, 1, 'x')] },
          { labels: [], labelsText: '{}', entries: [] },
          { labels: [], labelsText: '{}', entries: [] },
        ],
      },
    },
    { name: 'no streams key', input: '{}', expected: { streams: [] } },
    { name: 'streams null', input: '{"streams":null}', expected: { streams: [] } },
    {
      name: 'unknown keys ignored',
      input: JSON.stringify({ x: 1, streams: [{ stream: { a: 'b' }, values: [['1', 'x']], extra: [1, 2] }] }),
      expected: { streams: [{ labels: [L('a', 'b')], labelsText: '{a="b"}', entries: [E(0, 1, 'x')] }] },
    },
    {
      name: 'label values are quoted in labelsText',
      input: v1([{ stream: { a: 'say "hi"\n' }, values: [] }]),
      expected: { streams: [{ labels: [L('a', 'say "hi"\n')], labelsText: '{a="say \\"hi\\"\\n"}', entries: [] }] },
    },
    {
      name: 'names that are not identifiers are quoted in labelsText (kept for validation to refuse)',
      input: v1([{ stream: { 'a="1", b': '2', 'x.y': 'z' }, values: [] }]),
      expected: { streams: [{ labels: [L('a="1", b', '2'), L('x.y', 'z')], labelsText: '{"a=\\"1\\", b"="2", "x.y"="z"}', entries: [] }] },
    },
    {
      name: 'timestamp edge values',
      input: v1([{ stream: { a: 'b' }, values: [['0', 'zero'], ['999999', 'sub-ms'], ['1000000', 'one ms'], ['0001700000000000000001', 'leading zeros'], ['+42', 'plus sign'], ['-0', 'minus zero'], ['9223372036854775807', 'int64 max']] }]),
      expected: {
        streams: [
          {
            labels: [L('a', 'b')],
            labelsText: '{a="b"}',
            entries: [E(0, 0, 'zero'), E(0, 999999, 'sub-ms'), E(1, 0, 'one ms'), E(1700000000000, 1, 'leading zeros'), E(0, 42, 'plus sign'), E(0, 0, 'minus zero'), E(9223372036854, 775807, 'int64 max')],
          },
        ],
      },
    },
  ];
  it.each(rows)('$name', ({ input, expected }) => {
    expect(decodePushJson(input)).toEqual(expected);
  });
});

describe('decodePushJson: invalid', () => {
  const rows: { name: string; input: string; error: string }[] = [
    { name: 'not JSON', input: '{"streams": [', error: 'invalid JSON push request: ' },
    { name: 'empty body', input: '', error: 'invalid JSON push request: ' },
    { name: 'top level array', input: '[]', error: 'body: must be an object with a "streams" array, got array' },
    { name: 'streams not an array', input: '{"streams":{}}', error: 'streams: must be an array, got object' },
    { name: 'stream not an object', input: v1([1]), error: 'streams[0]: must be an object, got number' },
    { name: 'labels not an object', input: v1([{ stream: 'job=x' }]), error: 'streams[0].stream: must be an object of label names to values, got string' },
    { name: 'label value an object', input: v1([{ stream: { a: { b: 1 } } }]), error: 'streams[0].stream: value of label "a" must be a string, got object' },
    { name: 'label value null', input: v1([{ stream: { a: null } }]), error: 'streams[0].stream: value of label "a" must be a string, got null' },
    { name: 'values not an array', input: v1([{ stream: {}, values: {} }]), error: 'streams[0].values: must be an array of entries, got object' },
    { name: 'entry an object', input: v1([{ values: [{ ts: '1' }] }]), error: 'streams[0].values[0]: entry must be an array [timestamp, line] or [timestamp, line, metadata], got object' },
    { name: 'entry with one element', input: v1([{ values: [['1']] }]), error: 'streams[0].values[0]: array must have at least 2 and up to 3 values, got 1' },
    { name: 'entry with four elements', input: v1([{ values: [['1', 'a', {}, 'x']] }]), error: 'array must have at least 2 and up to 3 values, got 4' },
    { name: 'timestamp a number', input: '{"streams":[{"values":[[1700000000000000000,"x"]]}]}', error: 'streams[0].values[0][0]: timestamp must be a JSON string of decimal nanoseconds since the epoch (like "1700000000000000000"), got number 1700000000000000000' },
    { name: 'timestamp null', input: v1([{ values: [[null, 'x']] }]), error: 'timestamp must be a JSON string of decimal nanoseconds since the epoch (like "1700000000000000000"), got null null' },
    { name: 'timestamp empty', input: v1([{ values: [['', 'x']] }]), error: 'streams[0].values[0][0]: timestamp "" is not a decimal integer of nanoseconds' },
    { name: 'timestamp a float string', input: v1([{ values: [['1.5', 'x']] }]), error: 'timestamp "1.5" is not a decimal integer of nanoseconds' },
    { name: 'timestamp RFC 3339', input: v1([{ values: [['2024-01-01T00:00:00Z', 'x']] }]), error: 'is not a decimal integer of nanoseconds' },
    { name: 'timestamp with spaces', input: v1([{ values: [[' 1', 'x']] }]), error: 'timestamp " 1" is not a decimal integer' },
    { name: 'timestamp sign only', input: v1([{ values: [['-', 'x']] }]), error: 'timestamp "-" is not a decimal integer' },
    { name: 'timestamp negative', input: v1([{ stream: {}, values: [['1', 'ok'], ['-1', 'x']] }]), error: 'streams[0].values[1][0]: timestamp "-1" is negative (before 1970)' },
    { name: 'timestamp above int64', input: v1([{ values: [['9223372036854775808', 'x']] }]), error: 'timestamp "9223372036854775808" is out of range of int64 nanoseconds' },
    { name: 'timestamp of 20 digits', input: v1([{ values: [['10000000000000000000', 'x']] }]), error: 'is out of range of int64 nanoseconds' },
    { name: 'line a number', input: v1([{ values: [['1', 2]] }]), error: 'streams[0].values[0][1]: line must be a string, got number' },
    { name: 'line null', input: v1([{ values: [['1', null]] }]), error: 'line must be a string, got null' },
    { name: 'metadata an array', input: v1([{ values: [['1', 'x', ['a']]] }]), error: 'streams[0].values[0][2]: structured metadata must be an object, got array' },
    { name: 'metadata value an object', input: v1([{ values: [['1', 'x', { a: { b: 'c' } }]] }]), error: 'structured metadata value of "a" must be a string, got object' },
    { name: 'categorised metadata with another key', input: v1([{ values: [['1', 'x', { structuredMetadata: {}, other: 'y' }]] }]), error: 'unexpected key "other" beside "structuredMetadata"/"parsed"' },
    { name: 'categorised structuredMetadata a string', input: v1([{ values: [['1', 'x', { structuredMetadata: 'a', parsed: {} }]] }]), error: 'streams[0].values[0][2].structuredMetadata: must be an object, got string' },
  ];
  it.each(rows)('$name', ({ input, error }) => {
    const e = caught(() => decodePushJson(input));
    expect(e).toBeInstanceOf(CairnError);
    expect((e as CairnError).kind).toBe('bad_data');
    expect((e as CairnError).reason).toBe(JSON_INVALID);
    expect((e as CairnError).message).toContain(error);
    expect((e as CairnError).message.startsWith('invalid JSON push request: ')).toBe(true);
  });
});

describe('decodePushJson: exact nanoseconds', () => {
  it('keeps all 19 digits of "1700000000123456789"', () => {
    const { streams } = decodePushJson(v1([{ stream: { a: 'b' }, values: [['1700000000123456789', 'x']] }]));
    const e = streams[0]!.entries[0]!;
    expect([e.tMs, e.tNs]).toEqual([1700000000123, 456789]);
    expect(formatNs(e.tMs, e.tNs)).toBe('1700000000123456789');
  });

  it('splits any int64 nanosecond string exactly (BigInt oracle)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), (ns) => {
        const { streams } = decodePushJson(v1([{ values: [[ns.toString(), 'x']] }]));
        const e = streams[0]!.entries[0]!;
        expect(BigInt(e.tMs) * 1_000_000n + BigInt(e.tNs)).toBe(ns);
        expect(e.tNs).toBeGreaterThanOrEqual(0);
        expect(e.tNs).toBeLessThan(1_000_000);
        expect(formatNs(e.tMs, e.tNs)).toBe(ns.toString());
      }),
      { numRuns: 1000 },
    );
  });
});

const legacy = (streams: unknown[]): string => JSON.stringify({ streams });

describe('decodeLegacyPushJson: valid', () => {
  const at = (ts: string) => legacy([{ labels: '{job="x"}', entries: [{ ts, line: 'l' }] }]);
  const one = (tMs: number, tNs: number): PushRequest => ({ streams: [{ labels: [L('job', 'x')], labelsText: '{job="x"}', entries: [E(tMs, tNs, 'l')] }] });
  const rows: { name: string; input: string; expected: PushRequest }[] = [
    { name: 'RFC3339Nano UTC', input: at('2023-11-14T22:13:20.123456789Z'), expected: one(1700000000123, 456789) },
    { name: 'positive zone offset', input: at('2023-11-14T23:43:20.123456789+01:30'), expected: one(1700000000123, 456789) },
    { name: 'negative zone offset', input: at('2023-11-14T17:13:20.000000001-05:00'), expected: one(1700000000000, 1) },
    { name: 'no fraction', input: at('2023-11-14T22:13:20Z'), expected: one(1700000000000, 0) },
    { name: 'short fraction', input: at('2023-11-14T22:13:20.5Z'), expected: one(1700000000500, 0) },
    { name: 'fraction beyond 9 digits truncated (as Go does)', input: at('2023-11-14T22:13:20.1234567899999Z'), expected: one(1700000000123, 456789) },
    { name: 'the epoch', input: at('1970-01-01T00:00:00Z'), expected: one(0, 0) },
    { name: 'offset brings it to the epoch', input: at('1970-01-01T01:00:00+01:00'), expected: one(0, 0) },
    { name: 'leap day', input: at('2024-02-29T00:00:00Z'), expected: one(Date.UTC(2024, 1, 29), 0) },
    { name: 'year 9999', input: at('9999-12-31T23:59:59.999999999Z'), expected: one(253402300799999, 999999) },
    {
      name: 'several streams and entries, missing line is empty, nulls skipped',
      input: legacy([
        { labels: '{a="1", b="2"}', entries: [{ ts: '2023-11-14T22:13:20Z', line: 'x' }, null, { ts: '2023-11-14T22:13:21Z' }] },
        null,
        { labels: '{c="3"}' },
      ]),
      expected: {
        streams: [
          { labels: [L('a', '1'), L('b', '2')], labelsText: '{a="1", b="2"}', entries: [E(1700000000000, 0, 'x'), E(1700000001000, 0, '')] },
          { labels: [L('c', '3')], labelsText: '{c="3"}', entries: [] },
        ],
      },
    },
    { name: 'missing labels is the empty set', input: legacy([{ entries: [] }]), expected: { streams: [{ labels: [], labelsText: '', entries: [] }] } },
  ];
  it.each(rows)('$name', ({ input, expected }) => {
    expect(decodeLegacyPushJson(input)).toEqual(expected);
  });

  it('parses any instant from 1970 to 9999 with any zone exactly (Date oracle)', () => {
    const maxMs = Date.UTC(9999, 11, 31, 0, 0, 0);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: maxMs }), fc.integer({ min: 0, max: 999_999 }), fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }), (ms, ns, offsetMin) => {
        // Write the instant as local time in the zone `offsetMin` east of UTC.
        const local = new Date(ms + offsetMin * 60_000);
        if (local.getUTCFullYear() > 9999) return;
        const iso = local.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
        const sign = offsetMin < 0 ? '-' : '+';
        const abs = Math.abs(offsetMin);
        const zone = offsetMin === 0 && ns % 2 === 0 ? 'Z' : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        const ts = `${iso.slice(0, 23)}${String(ns).padStart(6, '0')}${zone}`;
        const e = decodeLegacyPushJson(at(ts)).streams[0]!.entries[0]!;
        expect([e.tMs, e.tNs]).toEqual([ms, ns]);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('decodeLegacyPushJson: a label string that does not parse', () => {
  it('refuses that stream alone, with Loki\'s message', () => {
    const req = decodeLegacyPushJson(legacy([{ labels: '{job=x}', entries: [{ ts: '2023-11-14T22:13:20Z', line: 'l' }] }, { labels: '{a="b"}' }]));
    expect(req.streams[0]!.labels).toEqual([]);
    expect(req.streams[0]!.labelsError?.reason).toBe(INVALID_LABELS);
    expect(req.streams[0]!.labelsError?.message).toBe("error parsing labels '{job=x}' with error: parse error at line 1, col 6: syntax error: unexpected IDENTIFIER, expecting STRING");
    expect(req.streams[1]!.labels).toEqual([{ name: 'a', value: 'b' }]);
  });
});

describe('decodeLegacyPushJson: invalid', () => {
  const at = (ts: unknown) => legacy([{ labels: '{job="x"}', entries: [{ ts, line: 'l' }] }]);
  const rows: { name: string; input: string; reason?: string; error: string }[] = [
    { name: 'not JSON', input: 'nope', error: 'invalid JSON push request: ' },
    { name: 'labels not a string', input: legacy([{ labels: { job: 'x' } }]), error: 'streams[0].labels: must be a label string like "{job=\\"app\\"}", got object' },
    { name: 'entries not an array', input: legacy([{ labels: '{a="b"}', entries: 'x' }]), error: 'streams[0].entries: must be an array of entries, got string' },
    { name: 'entry an array', input: legacy([{ labels: '{a="b"}', entries: [['1', 'x']] }]), error: 'streams[0].entries[0]: entry must be an object {"ts": …, "line": …}, got array' },
    { name: 'ts missing', input: legacy([{ labels: '{a="b"}', entries: [{ line: 'x' }] }]), error: 'streams[0].entries[0].ts: timestamp must be an RFC 3339 string, got undefined' },
    { name: 'ts a number', input: at(1700000000), error: 'timestamp must be an RFC 3339 string, got number 1700000000' },
    { name: 'ts nanoseconds string', input: at('1700000000000000000'), error: 'is not RFC 3339' },
    { name: 'ts without zone', input: at('2023-11-14T22:13:20'), error: 'expected a zone "Z" or "±hh:mm" at the end' },
    { name: 'ts with a space', input: at('2023-11-14 22:13:20Z'), error: 'expected YYYY-MM-DDTHH:MM:SS' },
    { name: 'ts lower-case t', input: at('2023-11-14t22:13:20Z'), error: 'expected YYYY-MM-DDTHH:MM:SS' },
    { name: 'ts zone without colon', input: at('2023-11-14T22:13:20+0100'), error: 'expected a zone' },
    { name: 'ts empty fraction', input: at('2023-11-14T22:13:20.Z'), error: 'empty fraction' },
    { name: 'ts month 13', input: at('2023-13-14T22:13:20Z'), error: 'month out of range' },
    { name: 'ts Feb 29 in a common year', input: at('2023-02-29T00:00:00Z'), error: 'day out of range' },
    { name: 'ts hour 24', input: at('2023-11-14T24:00:00Z'), error: 'hour out of range' },
    { name: 'ts leap second', input: at('2016-12-31T23:59:60Z'), error: 'second out of range' },
    { name: 'ts zone out of range', input: at('2023-11-14T22:13:20+24:00'), error: 'zone offset out of range' },
    { name: 'ts trailing text', input: at('2023-11-14T22:13:20Zx'), error: 'expected a zone' },
    { name: 'ts before 1970', input: at('1969-12-31T23:59:59.999999999Z'), error: 'timestamp "1969-12-31T23:59:59.999999999Z" is before 1970' },
    { name: 'ts before 1970 by offset', input: at('1970-01-01T00:30:00+01:00'), error: 'is before 1970' },
    { name: 'line a number', input: legacy([{ labels: '{a="b"}', entries: [{ ts: '2023-11-14T22:13:20Z', line: 5 }] }]), error: 'streams[0].entries[0].line: line must be a string, got number' },
  ];
  it.each(rows)('$name', ({ input, reason, error }) => {
    const e = caught(() => decodeLegacyPushJson(input));
    expect(e).toBeInstanceOf(CairnError);
    expect((e as CairnError).kind).toBe('bad_data');
    expect((e as CairnError).reason).toBe(reason ?? JSON_INVALID);
    expect((e as CairnError).message).toContain(error);
  });
});
