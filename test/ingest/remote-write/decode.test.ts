// Proves that the fast remote-write scanner decodes exactly what the protobufjs reference does (edge cases by table, random requests by property), keeps NaN bits, and that it and the Snappy decoder refuse every malformed or oversized body with a CairnError only.
import fc from 'fast-check';
import { compress as snappyjsCompress, uncompress as snappyjsUncompress } from 'snappyjs';
import { describe, expect, it } from 'vitest';
import {
  decodeWriteRequestFast,
  decodeWriteRequestReference,
  encodeLabelBytes,
  hashLabelBytes,
  MAX_GROUP_DEPTH,
  snappyCompress,
  snappyDecompress,
  STALE_NAN_HI,
  STALE_NAN_LO,
  WriteRequestScanner,
  WriteRequestType,
  type Label,
  type TimeSeries,
  type WriteRequest,
} from '../../../src/ingest/remote-write/index.js';
import { CairnError, isCairnError } from '../../../src/util/errors.js';
import type { NativeAddon } from '../../../src/util/native.js';
import { nativeAddon, nativeOff, withNative } from '../../helpers/native.js';

// ---------------------------------------------------------------------------------------
// A tiny hand encoder, so tests can write bytes protobufjs would never produce.

type Bytes = number[];
const WT = { varint: 0, i64: 1, len: 2, sgroup: 3, egroup: 4, i32: 5 } as const;

/** Unsigned LEB128 of the 64-bit two's complement of `n`. */
function vi(n: number | bigint): Bytes {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: Bytes = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}
const tg = (field: number, wt: number): Bytes => vi(field * 8 + wt);
const fLen = (field: number, body: Bytes): Bytes => [...tg(field, WT.len), ...vi(body.length), ...body];
const fVar = (field: number, n: number | bigint): Bytes => [...tg(field, WT.varint), ...vi(n)];
const le = (bits: bigint, bytes: number): Bytes => Array.from({ length: bytes }, (_, i) => Number((bits >> BigInt(8 * i)) & 0xffn));
const fI64 = (field: number, bits: bigint): Bytes => [...tg(field, WT.i64), ...le(bits, 8)];
const fI32 = (field: number, n: number): Bytes => [...tg(field, WT.i32), ...le(BigInt(n), 4)];
const fGroup = (field: number, body: Bytes): Bytes => [...tg(field, WT.sgroup), ...body, ...tg(field, WT.egroup)];
const str = (s: string): Bytes => [...new TextEncoder().encode(s)];

function bitsOf(v: number): bigint {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, v, true);
  return dv.getBigUint64(0, true);
}

const label = (name: string, value: string): Bytes => fLen(1, [...fLen(1, str(name)), ...fLen(2, str(value))]);
/** A Sample field (TimeSeries field 2); `v` as a number or as raw bits. */
const sample = (t: number | bigint, v: number | bigint): Bytes => fLen(2, [...fI64(1, typeof v === 'bigint' ? v : bitsOf(v)), ...fVar(2, t)]);
const series = (...parts: Bytes[]): Bytes => fLen(1, parts.flat());
const metadataField = (type: number | bigint, name: string, help: string, unit: string): Bytes => fLen(3, [...fVar(1, type), ...fLen(2, str(name)), ...fLen(4, str(help)), ...fLen(5, str(unit))]);
const body = (...parts: Bytes[]): Uint8Array => Uint8Array.from(parts.flat());

/** One unknown field of every wire type (group with nested content) from field number `f` up. */
const unknownFields = (f: number): Bytes => [
  ...fVar(f, 300),
  ...fVar(f, -1), // a 10-byte varint
  ...fI64(f + 1, 0x0102030405060708n),
  ...fLen(f + 2, [1, 2, 3, 0xff]),
  ...fGroup(f + 3, [...fVar(1, 5), ...fGroup(2, [...fLen(3, [9, 9]), ...fI32(4, 1)]), ...fI64(5, 1n)]),
  ...fI32(f + 4, 7),
];

const S = (t: number, v: number) => ({ t, v });
const L = (name: string, value: string): Label => ({ name, value });
const ts = (labels: Label[], samples: { t: number; v: number }[], extra: Partial<TimeSeries> = {}): TimeSeries => ({ labels, samples, exemplars: [], histogramCount: 0, ...extra });
const req = (timeseries: TimeSeries[], metadata: WriteRequest['metadata'] = []): WriteRequest => ({ timeseries, metadata });

/** Decodes with the scanner but never materialises labels: the known-series path. */
function scanOnly(buf: Uint8Array): number {
  const s = new WriteRequestScanner(1);
  s.reset(buf);
  let n = 0;
  while (s.next()) n += s.sampleCount + s.labelsHash * 0;
  return n;
}

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------

describe('remote-write decoders: valid edge cases', () => {
  const stale = 0x7ff0_0000_0000_0002n;
  const rows: { name: string; input: Uint8Array; expected: WriteRequest }[] = [
    { name: 'empty request', input: body(), expected: req([]) },
    { name: 'series with no labels and no samples', input: body(series()), expected: req([ts([], [])]) },
    { name: 'label with both fields omitted', input: body(series(fLen(1, []))), expected: req([ts([L('', '')], [])]) },
    { name: 'label value before name', input: body(series(fLen(1, [...fLen(2, str('v')), ...fLen(1, str('n'))]))), expected: req([ts([L('n', 'v')], [])]) },
    { name: 'repeated label name field: last wins', input: body(series(fLen(1, [...fLen(1, str('a')), ...fLen(1, str('b')), ...fLen(2, str('v'))]))), expected: req([ts([L('b', 'v')], [])]) },
    {
      name: 'negative and extreme timestamps',
      input: body(series(label('__name__', 'x'), sample(-1, 1), sample(-1_700_000_000_000, 2), sample(-(2 ** 53), 3), sample(2 ** 53, 4), sample(0, 5), sample(127, 6), sample(128, 7), sample(1_700_000_000_123, 8))),
      expected: req([ts([L('__name__', 'x')], [S(-1, 1), S(-1_700_000_000_000, 2), S(-(2 ** 53), 3), S(2 ** 53, 4), S(0, 5), S(127, 6), S(128, 7), S(1_700_000_000_123, 8)])]),
    },
    { name: 'sample with both fields omitted', input: body(series(fLen(2, []))), expected: req([ts([], [S(0, 0)])]) },
    {
      name: 'sample fields reversed and repeated: last wins',
      input: body(series(fLen(2, [...fVar(2, 5), ...fI64(1, bitsOf(1)), ...fI64(1, bitsOf(2.5)), ...fVar(2, 9)]))),
      expected: req([ts([], [S(9, 2.5)])]),
    },
    {
      name: 'special doubles',
      input: body(series(sample(1, stale), sample(2, 0x7ff8_0000_0000_0001n), sample(3, -0), sample(4, Infinity), sample(5, -Infinity), sample(6, Number.MIN_VALUE))),
      expected: req([ts([], [S(1, NaN), S(2, NaN), S(3, -0), S(4, Infinity), S(5, -Infinity), S(6, Number.MIN_VALUE)])]),
    },
    {
      name: 'unknown fields of every wire type at every level',
      input: body(
        unknownFields(20),
        fLen(2, [1]), // reserved WriteRequest field 2 (Cortex `source`)
        series(unknownFields(10), fLen(1, [...unknownFields(3), ...fLen(1, str('a')), ...unknownFields(30), ...fLen(2, str('b'))]), fLen(2, [...unknownFields(3), ...fI64(1, bitsOf(4)), ...fVar(2, 7)])),
        fLen(3, [...unknownFields(6), ...fVar(1, 2), ...fLen(2, str('m'))]),
        unknownFields(40),
      ),
      expected: req([ts([L('a', 'b')], [S(7, 4)])], [{ type: 2, metricFamilyName: 'm', help: '', unit: '' }]),
    },
    {
      name: 'non-minimal tag and length varints',
      // field 1 wire type 2 as the 2-byte tag 8a 00; length 2 as 82 80 00.
      input: body([0x8a, 0x00, 0x82, 0x80, 0x00, ...fLen(2, [])]),
      expected: req([ts([], [S(0, 0)])]),
    },
    {
      name: 'labels interleaved with samples',
      input: body(series(label('__name__', 'up'), sample(1, 1), label('job', 'j'), sample(2, 2), label('z', 'z'))),
      expected: req([ts([L('__name__', 'up'), L('job', 'j'), L('z', 'z')], [S(1, 1), S(2, 2)])]),
    },
    {
      name: 'native histograms are counted, packed and unpacked repeated fields alike',
      input: body(
        series(
          label('__name__', 'h'),
          fLen(4, [...fVar(1, 3), ...fI64(3, bitsOf(1.5)), ...fVar(4, 4), ...fLen(11, [...fVar(1, 2), ...fVar(2, 3)]), ...fLen(12, [...vi(2), ...vi(3), ...vi(-1)]), ...fVar(15, 1000)]),
          fLen(4, [...fI64(2, bitsOf(3)), ...fVar(12, 2), ...fVar(12, 4), ...fI64(13, bitsOf(1)), ...fLen(16, le(bitsOf(0.5), 8)), ...fVar(4, 105)]),
          sample(5, 5),
        ),
      ),
      expected: req([ts([L('__name__', 'h')], [S(5, 5)], { histogramCount: 2 })]),
    },
    {
      name: 'exemplars',
      input: body(series(label('__name__', 'c'), sample(10, 1), fLen(3, [...label('trace_id', 'abc'), ...fI64(2, bitsOf(0.25)), ...fVar(3, 9)]), fLen(3, []))),
      expected: req([ts([L('__name__', 'c')], [S(10, 1)], { exemplars: [{ labels: [L('trace_id', 'abc')], t: 9, v: 0.25 }, { labels: [], t: 0, v: 0 }] })]),
    },
    {
      name: 'metadata only, including an undefined and a negative type',
      input: body(metadataField(1, 'http_requests_total', 'Requests.', ''), metadataField(42, 'x', '', 'seconds'), metadataField(-1, 'y', 'ü', '')),
      expected: req([], [
        { type: 1, metricFamilyName: 'http_requests_total', help: 'Requests.', unit: '' },
        { type: 42, metricFamilyName: 'x', help: '', unit: 'seconds' },
        { type: -1, metricFamilyName: 'y', help: 'ü', unit: '' },
      ]),
    },
    {
      name: 'metadata between series',
      input: body(series(label('a', '1')), metadataField(2, 'g', 'h', 'u'), series(label('a', '2'))),
      expected: req([ts([L('a', '1')], []), ts([L('a', '2')], [])], [{ type: 2, metricFamilyName: 'g', help: 'h', unit: 'u' }]),
    },
    {
      name: 'non-ASCII and long strings',
      input: body(series(label('__name__', 'ß'.repeat(40)), label('v', '日本語🙂'), label('long', 'x'.repeat(300)))),
      expected: req([ts([L('__name__', 'ß'.repeat(40)), L('v', '日本語🙂'), L('long', 'x'.repeat(300))], [])]),
    },
  ];

  it.each(rows)('$name', ({ input, expected }) => {
    expect(decodeWriteRequestFast(input)).toEqual(expected);
    expect(decodeWriteRequestReference(input)).toEqual(expected);
    expect(scanOnly(input)).toBe(expected.timeseries.reduce((n, s) => n + s.samples.length, 0));
  });

  it('keeps NaN payloads bit for bit (StaleNaN 0x7ff0000000000002, NormalNaN 0x7ff8000000000001)', () => {
    const patterns = [stale, 0x7ff8_0000_0000_0001n, 0xfff0_0000_0000_0001n, 0x7ff0_0000_dead_beefn];
    const input = body(series(...patterns.map((bits, i) => sample(i, bits))));
    const scan = new WriteRequestScanner();
    scan.reset(input);
    expect(scan.next()).toBe(true);
    const got = patterns.map((_, i) => (BigInt(scan.valueBits[2 * i + 1]!) << 32n) | BigInt(scan.valueBits[2 * i]!));
    expect(got).toEqual(patterns);
    expect(scan.valueBits[1]).toBe(STALE_NAN_HI);
    expect(scan.valueBits[0]).toBe(STALE_NAN_LO);
    // The numbers the decoders hand out carry the same bits when stored to a Float64Array.
    for (const decode of [decodeWriteRequestFast, decodeWriteRequestReference]) {
      const vs = decode(input).timeseries[0]!.samples.map((s) => bitsOf(s.v));
      expect(vs).toEqual(patterns);
    }
  });

  it('grows its sample arrays beyond the initial capacity and reuses them', () => {
    const samples = Array.from({ length: 1000 }, (_, i) => sample(1_700_000_000_000 + i * 15_000, i === 500 ? stale : i));
    const input = body(series(label('__name__', 'a'), ...samples), series(label('__name__', 'b'), sample(1, 1)));
    const scan = new WriteRequestScanner(1);
    scan.reset(input);
    expect(scan.next()).toBe(true);
    expect(scan.sampleCount).toBe(1000);
    expect(scan.timestamps[999]).toBe(1_700_000_000_000 + 999 * 15_000);
    expect(scan.values[999]).toBe(999);
    expect(scan.valueBits[1001]).toBe(STALE_NAN_HI);
    const arrays = scan.timestamps;
    expect(scan.next()).toBe(true);
    expect(scan.sampleCount).toBe(1);
    expect(scan.timestamps).toBe(arrays); // no growth needed: same array, overwritten
    expect(scan.timestamps[0]).toBe(1);
    expect(scan.next()).toBe(false);
  });
});

describe('WriteRequestScanner label bytes', () => {
  it('exposes the label fields as sent, hashed, comparable and materialisable', () => {
    const lbls = [L('__name__', 'node_cpu_seconds_total'), L('cpu', '0'), L('instance', 'host-1:9100'), L('job', 'node'), L('mode', 'idle')];
    const labelBytes = lbls.flatMap((l) => label(l.name, l.value));
    const input = body(series(labelBytes, sample(1, 1)), series(labelBytes, sample(2, 2)), series(label('__name__', 'other')));
    const scan = new WriteRequestScanner();
    scan.reset(input);
    expect(scan.next()).toBe(true);
    const stored = scan.copyLabelBytes();
    expect([...stored]).toEqual(labelBytes);
    expect(stored).toEqual(encodeLabelBytes(lbls)); // senders' canonical form
    expect(scan.labelsHash).toBe(hashLabelBytes(stored, 0, stored.length));
    expect(scan.labels()).toEqual(lbls);
    const hash = scan.labelsHash;
    expect(scan.next()).toBe(true);
    expect(scan.labelsHash).toBe(hash);
    expect(scan.labelsEqual(stored)).toBe(true);
    // Against a store's arena: ranges, by bytes or through a DataView.
    const arena = new Uint8Array(stored.length + 10);
    arena.set(stored, 7);
    const view = new DataView(arena.buffer);
    expect(scan.labelsEqual(arena, 7, 7 + stored.length)).toBe(true);
    expect(scan.labelsEqualView(view, 7, 7 + stored.length)).toBe(true);
    expect(scan.labelsEqualView(view, 6, 6 + stored.length)).toBe(false);
    expect(scan.labelsEqualView(view, 7, 6 + stored.length)).toBe(false);
    arena[7 + stored.length - 1]! ^= 1; // last byte differs: the tail loop must see it
    expect(scan.labelsEqualView(view, 7, 7 + stored.length)).toBe(false);
    expect(scan.labelsEqual(arena, 7, 7 + stored.length)).toBe(false);
    expect(scan.labelsBytes).toBe(input); // a view of the request: no copy
    expect(scan.next()).toBe(true);
    expect(scan.labelsEqual(stored)).toBe(false);
    expect(scan.labelsHash).not.toBe(hash);
    expect(scan.next()).toBe(false);
  });

  it('rejoins labels interleaved with samples into one byte range', () => {
    const input = body(series(label('a', '1'), sample(1, 1), label('b', '2')));
    const scan = new WriteRequestScanner();
    scan.reset(input);
    scan.next();
    const joined = Uint8Array.from([...label('a', '1'), ...label('b', '2')]);
    expect(scan.copyLabelBytes()).toEqual(joined);
    expect(scan.labels()).toEqual([L('a', '1'), L('b', '2')]);
    expect(scan.labelsHash).toBe(hashLabelBytes(joined, 0, joined.length));
    expect(scan.labelsEqualView(new DataView(joined.buffer), 0, joined.length)).toBe(true);
  });

  it('reports labels that are not valid UTF-8, as Mimir refuses them', () => {
    const bad = [0x61, 0xc3]; // truncated two-byte sequence
    const input = body(series(label('__name__', 'ok'), fLen(1, [...fLen(1, str('l')), ...fLen(2, bad)]), fLen(1, [...fLen(1, [0xed, 0xa0, 0x80]), ...fLen(2, str('v'))]), label('x', 'ü')));
    const scan = new WriteRequestScanner();
    scan.reset(input);
    scan.next();
    expect(scan.labelsUtf8Invalid()).toEqual([1, 2]);
    expect(scan.labels()[1]).toEqual(L('l', 'a\ufffd'));
    // protobufjs 8 verifies UTF-8 in proto3 strings and refuses the whole body instead.
    expect(caught(() => decodeWriteRequestReference(input))).toMatchObject({ kind: 'bad_data', reason: 'protobuf_invalid' });
    scan.reset(body(series(label('a', 'b'))));
    scan.next();
    expect(scan.labelsUtf8Invalid()).toEqual([]);
  });

  it('hashes with murmur3 x86_32 (published test vectors)', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    const h = (s: string, seed: number) => hashLabelBytes(enc(s), 0, enc(s).length, seed) >>> 0;
    expect(h('', 0)).toBe(0);
    expect(h('', 1)).toBe(0x514e28b7);
    expect(h('hello', 0)).toBe(0x248bfa47);
    expect(h('The quick brown fox jumps over the lazy dog', 0x9747b28c)).toBe(0x2fa826cd);
    // Offsets select a sub-range.
    const b = enc('xxhelloyy');
    expect(hashLabelBytes(b, 2, 7, 0)).toBe(0x248bfa47);
    // Signed int32, so Map keys stay small integers.
    expect(hashLabelBytes(enc('abc'), 0, 3, 0)).toBe(0xb3dd93fa | 0);
  });

  it('hashes are stable across processes (fixed seed)', () => {
    const b = Uint8Array.from(label('__name__', 'up'));
    expect(hashLabelBytes(b, 0, b.length)).toMatchInlineSnapshot(`-1308640172`);
    expect(hashLabelBytes(new Uint8Array(0), 0, 0)).toMatchInlineSnapshot(`-1245305074`);
  });
});

describe('remote-write decoders: malformed input', () => {
  const deepGroups = [...Array.from({ length: MAX_GROUP_DEPTH + 1 }, () => tg(9, WT.sgroup)).flat(), ...Array.from({ length: MAX_GROUP_DEPTH + 1 }, () => tg(9, WT.egroup)).flat()];
  // `reference`: what protobufjs does with the same bytes ('error', 'accepts', or
  // undefined when it does not matter). protobufjs skips a known field sent with the
  // wrong wire type as if it were unknown; the scanner refuses it, as Mimir's gogo code does.
  const rows: { name: string; input: Uint8Array; message: RegExp; reference?: 'error' | 'accepts'; onlyWhenMaterialised?: boolean }[] = [
    { name: 'truncated tag', input: body([0x8a]), message: /truncated tag varint \(at byte 0 of 1\)/, reference: 'error' },
    { name: 'truncated length', input: body([0x0a]), message: /truncated length \(at byte 1 of 1\)/, reference: 'error' },
    { name: 'length past the end', input: body([0x0a, 0x05, 0x0a]), message: /length 5 runs past the end of the enclosing message at byte 3/, reference: 'error' },
    { name: 'sample length past the series end', input: body([0x0a, 0x02, 0x12, 0x05, 0, 0, 0, 0, 0]), message: /length 5 runs past the end of the enclosing message at byte 4/, reference: 'error' },
    { name: 'truncated double', input: body(series(fLen(2, [0x09, 1, 2, 3]))), message: /truncated double of field 1 of Sample/, reference: 'error' },
    { name: 'truncated timestamp varint', input: body(series(fLen(2, [0x10, 0x80, 0x80]))), message: /truncated varint/, reference: 'error' },
    { name: 'varint of 11 bytes', input: body(series(fLen(2, [0x10, ...Array<number>(10).fill(0xff), 0x01]))), message: /varint longer than 10 bytes/, reference: 'error' },
    { name: 'timeseries sent as a varint', input: body(fVar(1, 5)), message: /field 1 of WriteRequest has wire type 0, expected 2/, reference: 'accepts' },
    { name: 'metadata sent as fixed64', input: body(fI64(3, 1n)), message: /field 3 of WriteRequest has wire type 1, expected 2/, reference: 'accepts' },
    { name: 'sample value sent as a varint', input: body(series(fLen(2, fVar(1, 5)))), message: /field 1 of Sample has wire type 0, expected 1/, reference: 'accepts' },
    { name: 'samples sent as fixed32', input: body(series(fI32(2, 5))), message: /field 2 of TimeSeries has wire type 5, expected 2/, reference: 'accepts' },
    { name: 'wire type 6', input: body([0x0e]), message: /invalid wire type 6 for field 1/, reference: 'error' },
    { name: 'wire type 7 on an unknown field', input: body(tg(9, 7)), message: /invalid wire type 7 for field 9/, reference: 'error' },
    { name: 'field number 0', input: body([0x02, 0x00]), message: /field number 0/, reference: 'error' },
    { name: 'tag overflowing 32 bits', input: body([0xff, 0xff, 0xff, 0xff, 0x7f]), message: /tag varint overflows 32 bits/ },
    { name: 'unclosed group', input: body(tg(9, WT.sgroup), fVar(1, 1)), message: /group of field 9 is not closed/, reference: 'error' },
    { name: 'end-group of another field', input: body(tg(9, WT.sgroup), tg(10, WT.egroup)), message: /end-group for field 10 closes a group of field 9/, reference: 'error' },
    { name: 'stray end-group', input: body(tg(9, WT.egroup)), message: /unexpected end-group for field 9/, reference: 'error' },
    { name: `groups nested deeper than ${MAX_GROUP_DEPTH}`, input: body(deepGroups), message: /groups nested deeper than 100/ },
    { name: 'packed doubles not a multiple of 8 bytes', input: body(series(fLen(4, fLen(10, [1, 2, 3])))), message: /packed field 10 of Histogram has 3 bytes, not a multiple of 8/ },
    { name: 'histogram spans sent as a varint', input: body(series(fLen(4, fVar(8, 1)))), message: /field 8 of Histogram has wire type 0, expected 2/ },
    { name: 'exemplar label past its end', input: body(series(fLen(3, [0x0a, 0x05]))), message: /length 5 runs past the end/, reference: 'error' },
    { name: 'metadata type sent as bytes', input: body(fLen(3, fLen(1, [1]))), message: /field 1 of MetricMetadata has wire type 2, expected 0/, reference: 'accepts' },
    { name: 'label name past the label end', input: body(series(fLen(1, [0x0a, 0x05]))), message: /length 5 runs past the end/, reference: 'error', onlyWhenMaterialised: true },
    { name: 'label name sent as a varint', input: body(series(fLen(1, fVar(1, 3)))), message: /field 1 of Label has wire type 0, expected 2/, reference: 'accepts', onlyWhenMaterialised: true },
  ];

  it.each(rows)('$name', ({ input, message, reference, onlyWhenMaterialised }) => {
    const e = caught(() => decodeWriteRequestFast(input));
    expect(e).toBeInstanceOf(CairnError);
    expect(e).toMatchObject({ kind: 'bad_data', reason: 'protobuf_invalid' });
    expect((e as Error).message).toMatch(message);
    expect((e as Error).message).toMatch(/^invalid protobuf in remote write request: /);
    if (onlyWhenMaterialised === true) expect(() => scanOnly(input)).not.toThrow();
    else expect(caught(() => scanOnly(input))).toMatchObject({ kind: 'bad_data', reason: 'protobuf_invalid' });
    if (reference === 'error') expect(caught(() => decodeWriteRequestReference(input))).toMatchObject({ kind: 'bad_data', reason: 'protobuf_invalid' });
    if (reference === 'accepts') expect(() => decodeWriteRequestReference(input)).not.toThrow();
  });
});

// ---------------------------------------------------------------------------------------
// Round trips through protobufjs's encoder, and properties.

/** A request in protobufjs's object form (what `WriteRequestType.fromObject` takes). */
interface PbObject {
  timeseries: { labels: Label[]; samples: { value: number; timestamp: number }[]; exemplars: { labels: Label[]; value: number; timestamp: number }[]; histograms: object[] }[];
  metadata: { type: number; metricFamilyName: string; help: string; unit: string }[];
}

function encode(o: PbObject): Uint8Array {
  return WriteRequestType.encode(WriteRequestType.fromObject(o)).finish();
}

/** What a decoder must return for `o`. */
function expectedOf(o: PbObject): WriteRequest {
  return {
    timeseries: o.timeseries.map((s) => ({
      labels: s.labels.map((l) => ({ name: l.name, value: l.value })),
      samples: s.samples.map((x) => ({ t: x.timestamp, v: x.value })),
      exemplars: s.exemplars.map((x) => ({ labels: x.labels.map((l) => ({ name: l.name, value: l.value })), t: x.timestamp, v: x.value })),
      histogramCount: s.histograms.length,
    })),
    metadata: o.metadata.map((m) => ({ ...m })),
  };
}

const labelArb = fc.record({ name: fc.string({ unit: 'grapheme', maxLength: 12 }), value: fc.string({ unit: 'grapheme', maxLength: 70 }) });
const timestampArb = fc.oneof(fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }), fc.maxSafeInteger().map((n) => (n % 2 === 0 ? n : -n)), fc.integer({ min: -200, max: 200 }));
const histogramArb = fc.record({
  countInt: fc.nat(),
  sum: fc.double(),
  schema: fc.integer({ min: -4, max: 8 }),
  positiveSpans: fc.array(fc.record({ offset: fc.integer({ min: -5, max: 5 }), length: fc.nat(10) }), { maxLength: 3 }),
  positiveDeltas: fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 5 }),
  customValues: fc.array(fc.double(), { maxLength: 3 }),
  timestamp: timestampArb,
});
const requestArb: fc.Arbitrary<PbObject> = fc.record({
  timeseries: fc.array(
    fc.record({
      labels: fc.array(labelArb, { maxLength: 8 }),
      samples: fc.array(fc.record({ value: fc.double(), timestamp: timestampArb }), { maxLength: 12 }),
      exemplars: fc.array(fc.record({ labels: fc.array(labelArb, { maxLength: 2 }), value: fc.double(), timestamp: timestampArb }), { maxLength: 2 }),
      histograms: fc.array(histogramArb, { maxLength: 2 }),
    }),
    { maxLength: 8 },
  ),
  metadata: fc.array(fc.record({ type: fc.integer({ min: 0, max: 9 }), metricFamilyName: fc.string({ maxLength: 20 }), help: fc.string({ unit: 'grapheme', maxLength: 30 }), unit: fc.string({ maxLength: 8 }) }), { maxLength: 3 }),
});

/** Damages an encoding: bit flips, truncation, inserted or overwritten random bytes. */
const mutationArb = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }) }),
);
type Mutation = typeof mutationArb extends fc.Arbitrary<infer M> ? M : never;

function mutate(b: Uint8Array, ms: Mutation[]): Uint8Array {
  let out = Uint8Array.from(b);
  for (const m of ms) {
    if (out.length === 0) break;
    const at = m.at % out.length;
    if (m.kind === 'flip') out[at] = out[at]! ^ (1 << m.bit);
    else if (m.kind === 'truncate') out = out.slice(0, at);
    else if (m.kind === 'insert') out = Uint8Array.from([...out.subarray(0, at), ...m.bytes, ...out.subarray(at)]);
    else out.set(m.bytes.subarray(0, out.length - at), at);
  }
  return out;
}

/** Runs `f`; passes when it returns or throws a CairnError of one of `kinds`. */
function onlyCairnErrors(f: () => unknown, kinds: readonly string[], reasons?: readonly string[]): void {
  try {
    f();
  } catch (e) {
    if (!isCairnError(e)) throw new Error(`threw a non-CairnError: ${String(e)}`, { cause: e });
    if (!kinds.includes(e.kind)) throw new Error(`unexpected kind ${e.kind}: ${e.message}`);
    if (reasons !== undefined && !reasons.includes(e.reason)) throw new Error(`unexpected reason ${e.reason}: ${e.message}`);
  }
}

describe('remote-write decoders: properties', () => {
  it('decode random valid requests exactly as encoded, both decoders alike', () => {
    const scanner = new WriteRequestScanner(2); // small, to exercise growth
    fc.assert(
      fc.property(requestArb, (o) => {
        const b = encode(o);
        const expected = expectedOf(o);
        expect(decodeWriteRequestFast(b, scanner)).toEqual(expected);
        expect(decodeWriteRequestReference(b)).toEqual(expected);
      }),
      { seed: 20_240_601, numRuns: 400 },
    );
  });

  it('the label hash of a protobufjs-encoded series is that of the canonical label bytes', () => {
    const nonEmpty = fc.record({ name: fc.string({ minLength: 1, maxLength: 10 }), value: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }) });
    fc.assert(
      fc.property(fc.array(nonEmpty, { maxLength: 10 }), (labels) => {
        const scan = new WriteRequestScanner().reset(encode({ timeseries: [{ labels, samples: [], exemplars: [], histograms: [] }], metadata: [] }));
        expect(scan.next()).toBe(true);
        const canonical = encodeLabelBytes(labels);
        expect(scan.labelsEqual(canonical)).toBe(true);
        expect(scan.labelsHash).toBe(hashLabelBytes(canonical, 0, canonical.length));
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('damaged bodies raise only bad_data/protobuf_invalid, and when both decoders accept one they agree', () => {
    fc.assert(
      fc.property(requestArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (o, ms) => {
        const b = mutate(encode(o), ms);
        let fast: WriteRequest | undefined;
        let reference: WriteRequest | undefined;
        onlyCairnErrors(() => (fast = decodeWriteRequestFast(b)), ['bad_data'], ['protobuf_invalid']);
        onlyCairnErrors(() => (reference = decodeWriteRequestReference(b)), ['bad_data'], ['protobuf_invalid']);
        onlyCairnErrors(() => scanOnly(b), ['bad_data'], ['protobuf_invalid']);
        if (fast !== undefined && reference !== undefined) expect(fast).toEqual(reference);
      }),
      { seed: 42, numRuns: 3000 },
    );
  });

  it('random bytes raise only bad_data/protobuf_invalid', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        onlyCairnErrors(() => decodeWriteRequestFast(b), ['bad_data'], ['protobuf_invalid']);
        onlyCairnErrors(() => scanOnly(b), ['bad_data'], ['protobuf_invalid']);
        onlyCairnErrors(() => decodeWriteRequestReference(b), ['bad_data'], ['protobuf_invalid']);
      }),
      { seed: 1, numRuns: 3000 },
    );
  });

  it('materialises invalid UTF-8 exactly as TextDecoder does, and flags it', () => {
    const loose = new TextDecoder('utf-8', { ignoreBOM: true });
    const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const scan = new WriteRequestScanner();
    // Valid multi-byte characters mixed with arbitrary bytes, so both outcomes are common.
    const bytesArb = fc
      .array(fc.oneof(fc.integer({ min: 0, max: 255 }).map((b) => [b]), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 2 }).map((g) => str(g))), { maxLength: 12 })
      .map((parts) => Uint8Array.from(parts.flat()));
    let validSeen = 0;
    fc.assert(
      fc.property(bytesArb, (value) => {
        scan.reset(body(series(fLen(1, [...fLen(1, str('n')), ...fLen(2, [...value])]))));
        scan.next();
        expect(scan.labels()).toEqual([L('n', loose.decode(value))]);
        const valid = caught(() => strict.decode(value)) === undefined;
        expect(scan.labelsUtf8Invalid()).toEqual(valid ? [] : [0]);
        if (valid && value.some((b) => b >= 0x80)) validSeen++;
      }),
      { seed: 5, numRuns: 2000 },
    );
    expect(validSeen).toBeGreaterThan(100); // the generator did exercise valid non-ASCII
  });

  it('a claimed length far beyond the buffer allocates nothing for it', () => {
    // One series claiming 2^40 bytes, one sample claiming 2^31: refused at once.
    const e1 = caught(() => decodeWriteRequestFast(body([0x0a, ...vi(2 ** 40)])));
    expect(e1).toMatchObject({ kind: 'bad_data', reason: 'protobuf_invalid' });
    expect((e1 as Error).message).toMatch(/length 1099511627776 runs past the end of the enclosing message at byte 7 \(at byte 1 of 7\)/);
    const e2 = caught(() => decodeWriteRequestFast(body(series(), [0x0a, 0x06, 0x12, ...vi(2 ** 31)])));
    expect((e2 as Error).message).toMatch(/length 2147483648 runs past the end/);
  });
});

// ---------------------------------------------------------------------------------------

describe('snappy block decompression', () => {
  const MiB = 1 << 20;

  it('round-trips snappyjs output of varied data', () => {
    const text = new TextEncoder().encode('node_cpu_seconds_total{cpu="0",mode="idle"} '.repeat(500));
    const random = Uint8Array.from({ length: 5000 }, (_, i) => (i * 2_654_435_761) >>> 24);
    const runs = new Uint8Array(100_000).fill(7);
    for (const data of [new Uint8Array(0), Uint8Array.of(1), text, random, runs]) {
      const c = snappyCompress(data);
      expect(snappyDecompress(c, MiB)).toEqual(data);
    }
  });

  describe('compression', () => {
    const paths: { path: string; addon: NativeAddon | null }[] = [...withNative([{ path: 'native', addon: nativeAddon }]).map((p) => ({ path: p.path, addon: p.addon() })), { path: 'snappyjs', addon: null }];
    // Repetitive data over 64 KiB fragments (copies never reach across one), runs, text and noise.
    const cases = (): Uint8Array[] => [
      new Uint8Array(0),
      Uint8Array.of(9),
      new Uint8Array(14).fill(3),
      new Uint8Array(15).fill(3),
      new Uint8Array(200_000).fill(7),
      new TextEncoder().encode('{"level":"info","msg":"GET /api/v1/orders/12345 200"} '.repeat(4000)),
      Uint8Array.from({ length: 150_000 }, (_, i) => (i * 2_654_435_761) >>> 24),
    ];

    it.each(paths)('$path blocks round-trip any bytes, through both decoders (property)', ({ addon: a }) => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(40), fc.nat(70_000), (raw, repeat, pad) => {
          const data = Uint8Array.from({ length: raw.length * (repeat % 5 + 1) + (repeat % 3 === 0 ? pad : 0) }, (_, i) => raw[i % Math.max(1, raw.length)] ?? i % 251);
          const c = snappyCompress(data, a);
          expect(c.constructor).toBe(Uint8Array);
          expect(snappyDecompress(c, 1 << 20)).toEqual(data);
          expect(new Uint8Array(snappyjsUncompress(c))).toEqual(data);
        }),
        { seed: 5, numRuns: 200 },
      );
      for (const data of cases()) expect(snappyDecompress(snappyCompress(data, a), MiB)).toEqual(data);
    });

    it.skipIf(nativeOff)('the native compressor is about as dense as snappyjs, and stays within the format\'s bound', () => {
      const addon = nativeAddon();
      for (const data of cases()) {
        const c = snappyCompress(data, addon);
        expect(c.length).toBeLessThanOrEqual(32 + data.length + Math.floor(data.length / 6));
        expect(c.length).toBeLessThanOrEqual(Math.ceil(snappyjsCompress(data).length * 1.1) + 8);
      }
      const text = cases()[5]!;
      expect(snappyCompress(text, addon).length).toBeLessThan(text.length / 10);
    });

    it.skipIf(nativeOff)('the native call refuses an output smaller than the bound, and wrong arguments', () => {
      const addon = nativeAddon();
      expect(() => addon.snappyCompress(new Uint8Array(600), new Uint8Array(600))).toThrow(/smaller than 32 \+ n \+ n\/6/);
      expect(() => addon.snappyCompress('x' as unknown as Uint8Array, new Uint8Array(64))).toThrow(/input must be a Uint8Array/);
      expect(() => (addon.snappyCompress as (...a: unknown[]) => number)(new Uint8Array(1), new Uint8Array(64), 3)).toThrow(/takes 2 arguments/);
    });
  });

  it('round-trips random data (fast-check) and matches snappyjs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(40), (raw, repeat) => {
        const data = Uint8Array.from({ length: raw.length * (repeat % 5 + 1) }, (_, i) => raw[i % Math.max(1, raw.length)]!);
        const c = snappyjsCompress(data);
        expect(snappyDecompress(c, MiB)).toEqual(data);
      }),
      { seed: 3, numRuns: 300 },
    );
  });

  it.skipIf(nativeOff)('the native element loop and the JavaScript one agree on every block: the same bytes, or both refuse', () => {
    const addon = nativeAddon();
    let nativeSaid: boolean | undefined;
    const spy: NativeAddon = { ...addon, snappyElements: (input, at, out) => (nativeSaid = addon.snappyElements(input, at, out)) };
    const decode = (b: Uint8Array, a: NativeAddon | null): Uint8Array | string => {
      try {
        return snappyDecompress(b, MiB, a);
      } catch (e) {
        return (e as Error).message;
      }
    };
    // Repeated patterns of 1..40 bytes make copies of every offset class (1..7 overlap byte
    // by byte, 8+ by words), long literals come from random bytes.
    const data = fc
      .array(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(30)), { maxLength: 30 })
      .map((parts) => Uint8Array.from(parts.flatMap(([p, n]) => Array.from({ length: p.length * (n + 1) }, (_, i) => p[i % p.length]!))));
    const block = fc.oneof(
      data.map((d) => snappyjsCompress(d)),
      fc.tuple(data, fc.array(mutationArb, { minLength: 1, maxLength: 3 })).map(([d, ms]) => mutate(snappyjsCompress(d), ms)),
    );
    fc.assert(
      fc.property(block, (b) => {
        nativeSaid = undefined;
        const js = decode(b, null);
        const withNative = decode(b, spy);
        expect(withNative).toEqual(js);
        // Where the preamble passed its checks the native loop ran: it accepts exactly what
        // the JavaScript loop accepts.
        if (nativeSaid !== undefined) expect(nativeSaid).toBe(typeof js !== 'string');
      }),
      { seed: 5, numRuns: 3000 },
    );
  });

  it('refuses a tiny body claiming 4 GiB before allocating, in Mimir words', () => {
    // Preamble ff ff ff ff 0f = 2^32 - 1 bytes, then a few bytes of nothing in particular.
    const input = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, ...Array<number>(95).fill(0)]);
    const e = caught(() => snappyDecompress(input, 100 * MiB));
    expect(e).toBeInstanceOf(CairnError);
    expect(e).toMatchObject({ kind: 'too_large', reason: 'message_too_large' });
    expect((e as Error).message).toBe(
      'the incoming push request has been rejected because its message size of 4294967295 bytes (uncompressed) is larger than the allowed limit of 104857600 bytes (err-mimir-distributor-max-write-message-size); to adjust the related limit, configure distributor.max_recv_msg_size',
    );
  });

  it.each([
    { name: 'empty body', input: [], reason: 'snappy_corrupt', message: /the body is empty/ },
    { name: 'truncated preamble', input: [0x80, 0x80], reason: 'snappy_corrupt', message: /length preamble is truncated after 2 bytes/ },
    { name: 'preamble over 32 bits', input: [0x80, 0x80, 0x80, 0x80, 0x10], reason: 'snappy_corrupt', message: /declared length 4294967296 exceeds the format's 32-bit maximum/ },
    { name: 'preamble over 5 bytes', input: [0x80, 0x80, 0x80, 0x80, 0x80, 0x01], reason: 'snappy_corrupt', message: /longer than 5 bytes/ },
    { name: 'claim over the limit', input: [...vi(1000), 0], max: 999, reason: 'message_too_large', message: /message size of 1000 bytes \(uncompressed\).*limit of 999 bytes/ },
    { name: 'compressed body over the limit', input: Array<number>(20).fill(0), max: 10, reason: 'message_too_large', message: /message size of 20 bytes \(compressed\)/ },
    { name: 'claim the input cannot expand to', input: [...vi(50 * MiB), 0, 0, 0], reason: 'snappy_corrupt', message: /declared length 52428800 bytes cannot be produced from 3 compressed bytes/ },
    { name: 'framed format', input: [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59, 0, 0, 0], reason: 'snappy_corrupt', message: /framed \(stream\) format/ },
    { name: 'literal past the input', input: [10, 9 << 2, 1, 2, 3], reason: 'snappy_corrupt', message: /literal of 10 bytes at byte 1 runs past the end/ },
    { name: 'literal past the declared length', input: [2, 2 << 2, 1, 2, 3], reason: 'snappy_corrupt', message: /overflows the declared length 2/ },
    { name: 'copy before the start', input: [8, 0 << 2, 1, 0x01 | (0 << 2), 5], reason: 'snappy_corrupt', message: /offset 5 with only 1 bytes decoded/ },
    { name: 'copy with offset 0', input: [8, 0 << 2, 1, 0x02 | (3 << 2), 0, 0], reason: 'snappy_corrupt', message: /offset 0/ },
    { name: 'truncated copy', input: [8, 0 << 2, 1, 0x03 | (3 << 2), 1, 0], reason: 'snappy_corrupt', message: /copy at byte 3 is truncated/ },
    { name: 'output shorter than declared', input: [5, 1 << 2, 1, 2], reason: 'snappy_corrupt', message: /decoded 2 bytes but the preamble declared 5/ },
  ])('$name', ({ input, max, reason, message }) => {
    const e = caught(() => snappyDecompress(Uint8Array.from(input), max ?? 100 * MiB));
    expect(e).toBeInstanceOf(CairnError);
    expect(e).toMatchObject({ kind: reason === 'message_too_large' ? 'too_large' : 'bad_data', reason });
    expect((e as Error).message).toMatch(message);
  });

  it('random and damaged inputs raise only bad_data/snappy_corrupt or too_large', () => {
    const valid = snappyCompress(encode({ timeseries: [{ labels: [L('__name__', 'up'), L('job', 'node')], samples: [{ value: 1, timestamp: 1 }, { value: 1, timestamp: 2 }], exemplars: [], histograms: [] }], metadata: [] }));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.array(mutationArb, { minLength: 1, maxLength: 4 }).map((ms) => mutate(valid, ms))), (b) => {
        onlyCairnErrors(() => {
          const out = snappyDecompress(b, 64 * 1024);
          // Whatever decodes has exactly the declared length.
          expect(out.length).toBeLessThanOrEqual(64 * 1024);
        }, ['bad_data', 'too_large'], ['snappy_corrupt', 'message_too_large']);
      }),
      { seed: 11, numRuns: 3000 },
    );
  });
});
