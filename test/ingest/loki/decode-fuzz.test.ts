// Proves that the three Loki push decoders, fed random bytes, mutated valid bodies and randomly typed JSON, either decode or throw a bad_data CairnError, never another exception, and finish promptly on hostile shapes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLegacyPushJson, decodePushJson } from '../../../src/ingest/loki/decode-json.js';
import { decodePushJsonFast } from '../../../src/ingest/loki/decode-json-fast.js';
import { decodePushProto } from '../../../src/ingest/loki/decode-proto.js';
import { formatSelectorLabels } from '../../../src/ingest/loki/selector-labels.js';
import type { PushRequest } from '../../../src/ingest/loki/types.js';
import { CairnError } from '../../../src/util/errors.js';
import { body, caught, encodePush, fGroup, fLen, pEntry, pStream, tg, WT } from './helpers.js';

/** Decodes or throws a bad_data CairnError; fails the test on anything else. */
function onlyBadData(decode: () => PushRequest): void {
  const e = caught(decode);
  if (e === undefined) return;
  if (!(e instanceof CairnError) || e.kind !== 'bad_data') {
    throw new Error(`expected a bad_data CairnError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
  }
}

const decoders: { name: string; run: (b: Uint8Array) => PushRequest }[] = [
  { name: 'protobuf', run: (b) => decodePushProto(b) },
  { name: 'v1 JSON', run: (b) => decodePushJson(Buffer.from(b.buffer, b.byteOffset, b.byteLength)) },
  { name: 'legacy JSON', run: (b) => decodeLegacyPushJson(Buffer.from(b.buffer, b.byteOffset, b.byteLength)) },
  {
    name: 'v1 JSON, bytes first',
    run: (b) => {
      const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      return decodePushJsonFast(buf) ?? decodePushJson(buf);
    },
  },
];

// Valid seeds to mutate, one per format.
const seeds = {
  protobuf: encodePush([
    { labels: '{job="app", level="info"}', entries: [{ seconds: 1_700_000_000, nanos: 123_456_789, line: 'hello', metadata: [{ name: 'trace_id', value: 'abc' }] }, { seconds: 1_700_000_001, nanos: 0, line: 'wörld' }] },
    { labels: '{job="other"}', entries: [{ seconds: 1, nanos: 2, line: 'x', parsed: [{ name: 'p', value: 'q' }] }] },
  ]),
  'v1 JSON': Buffer.from(JSON.stringify({ streams: [{ stream: { job: 'app', n: 1 }, values: [['1700000000123456789', 'hello'], ['1700000000123456790', 'wörld', { trace_id: 'abc' }], ['5', 'x', { structuredMetadata: { a: 'b' }, parsed: {} }]] }] })),
  'v1 JSON, bytes first': Buffer.from(String.raw`{"streams":[{"stream":{"job":"app"},"values":[["1700000000123456789","a \"b\" \u00e9\ud83d\ude00"],["1700000000123456790","w\u00f6rld",{"trace_id":"abc"}]]}]}`),
  'legacy JSON': Buffer.from(JSON.stringify({ streams: [{ labels: '{job="app", level="info"}', entries: [{ ts: '2023-11-14T22:13:20.123456789Z', line: 'hello' }, { ts: '2023-11-14T23:13:20+01:00', line: 'wörld' }] }] })),
} as const;

/** Random edits of a valid body: byte flips, truncation, insertion, deletion, duplication. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ op: fc.constant('repeat' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 16 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(seed: Uint8Array, edits: Mutation[]): Uint8Array {
  let b = Array.from(seed);
  for (const m of edits) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    if (m.op === 'flip' && at < b.length) b[at] = m.byte;
    else if (m.op === 'truncate') b = b.slice(0, at);
    else if (m.op === 'insert') b.splice(at, 0, ...m.bytes);
    else if (m.op === 'delete') b.splice(at, m.n);
    else if (m.op === 'repeat') b.splice(at, 0, ...b.slice(at, at + m.n));
  }
  return Uint8Array.from(b);
}

describe('Loki push decoders: only bad_data CairnErrors', () => {
  for (const d of decoders) {
    it(`${d.name}: random bytes`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (b) => onlyBadData(() => d.run(b))),
        { numRuns: 2000 },
      );
    });

    it(`${d.name}: mutated valid bodies`, () => {
      const seed = seeds[d.name as keyof typeof seeds];
      expect(() => d.run(seed)).not.toThrow();
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (edits) => onlyBadData(() => d.run(mutate(seed, edits)))),
        { numRuns: 3000 },
      );
    });
  }

  it('protobuf: random well-formed messages of the right shape with random field contents', () => {
    // Valid framing, random payloads: exercises the field-level checks rather than the framing.
    const leaf = fc.uint8Array({ maxLength: 12 }).map((b) => Array.from(b));
    const entry = fc.array(fc.tuple(fc.integer({ min: 1, max: 5 }), leaf), { maxLength: 4 }).map((fs) => pEntry(...fs.map(([f, b]) => fLen(f, b))));
    const stream = fc.tuple(fc.constantFrom('{a="b"}', '{}', '', '{a=b}', '{a="\\q"}'), fc.array(entry, { maxLength: 3 })).map(([labels, es]) => pStream(fLen(1, [...Buffer.from(labels)]), ...es));
    fc.assert(
      fc.property(fc.array(stream, { maxLength: 3 }), (ss) => onlyBadData(() => decodePushProto(body(...ss)))),
      { numRuns: 2000 },
    );
  });

  it('JSON: random values in every position of the request shape', () => {
    const any = fc.jsonValue({ maxDepth: 2 });
    const v1Entry = fc.oneof(any, fc.array(any, { maxLength: 4 }), fc.tuple(fc.oneof(any, fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(String)), any, any));
    const v1Stream = fc.oneof(any, fc.record({ stream: fc.oneof(any, fc.dictionary(fc.string({ maxLength: 4 }), any, { maxKeys: 3 })), values: fc.oneof(any, fc.array(v1Entry, { maxLength: 4 })) }, { requiredKeys: [] }));
    const legacyEntry = fc.oneof(any, fc.record({ ts: fc.oneof(any, fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string({ unit: fc.constantFrom(...'0123456789-:TZ.+'.split('')), maxLength: 32 })), line: any }, { requiredKeys: [] }));
    const legacyStream = fc.oneof(any, fc.record({ labels: fc.oneof(any, fc.array(fc.record({ name: fc.stringMatching(/^[a-z]{1,3}$/), value: fc.string({ maxLength: 3 }) }), { maxLength: 2 }).map(formatSelectorLabels)), entries: fc.oneof(any, fc.array(legacyEntry, { maxLength: 4 })) }, { requiredKeys: [] }));
    const doc = (s: fc.Arbitrary<unknown>) => fc.oneof(any, fc.record({ streams: fc.oneof(any, fc.array(s, { maxLength: 3 })) }, { requiredKeys: [] }));
    fc.assert(
      fc.property(doc(v1Stream), doc(legacyStream), (a, b) => {
        onlyBadData(() => decodePushJson(JSON.stringify(a)));
        onlyBadData(() => decodeLegacyPushJson(JSON.stringify(b)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Loki push decoders: hostile shapes finish promptly', () => {
  const quick = (f: () => void): number => {
    const t0 = performance.now();
    f();
    return performance.now() - t0;
  };

  it('protobuf: deep groups, long varint runs, many empty fields, a huge claimed length', () => {
    const deep: number[] = [];
    for (let i = 0; i < 99; i++) deep.push(...tg(9, WT.sgroup));
    for (let i = 0; i < 99; i++) deep.push(...tg(9, WT.egroup));
    const inputs = [
      body(deep),
      body(fGroup(9, Array(100_000).fill(0x08).flatMap((t) => [t, 0x01]))),
      body(Array(200_000).fill([0x12, 0x00]).flat()),
      body(pStream(...Array(100_000).fill(pEntry()))),
      body([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
    ];
    for (const b of inputs) expect(quick(() => onlyBadData(() => decodePushProto(b)))).toBeLessThan(2000);
  });

  it('protobuf: thousands of metadata pairs in one entry stay linear', () => {
    const pairs: number[][] = [];
    for (let i = 0; i < 50_000; i++) pairs.push(fLen(3, [...fLen(1, [0x61 + (i % 26), 0x30 + (i % 10)]), ...fLen(2, [0x76])]));
    const b = body(pStream(pEntry(...pairs)));
    let n = 0;
    expect(quick(() => (n = decodePushProto(b).streams[0]!.entries[0]!.metadata.length))).toBeLessThan(2000);
    expect(n).toBe(130); // distinct (i mod 26, i mod 10) pairs: lcm(26, 10)
  });

  it('JSON: deep nesting and a very long timestamp string', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const longTs = JSON.stringify({ streams: [{ values: [['1'.repeat(1_000_000), 'x']] }] });
    for (const b of [deep, `{"streams":[${deep}]}`, longTs]) {
      expect(quick(() => onlyBadData(() => decodePushJson(b)))).toBeLessThan(2000);
      expect(quick(() => onlyBadData(() => decodeLegacyPushJson(b)))).toBeLessThan(2000);
    }
  });
});
