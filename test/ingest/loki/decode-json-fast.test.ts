// Proves the byte-level JSON push decoder gives exactly what the JSON.parse decoder gives
// (streams, labels, label texts, times, line bytes, metadata) for every body it accepts,
// accepts the shapes clients send (escapes, Unicode, whitespace, metadata, either key
// order), and leaves everything else (invalid JSON or UTF-8, nulls, numbers, unknown or
// repeated keys, categorised metadata) to the full decoder.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePushJson } from '../../../src/ingest/loki/decode-json.js';
import { decodePushJsonFast } from '../../../src/ingest/loki/decode-json-fast.js';
import { columnarPush } from '../../../src/ingest/loki/columnar.js';
import type { ColumnarPushRequest } from '../../../src/ingest/loki/types.js';
import { native, type NativeAddon } from '../../../src/util/native.js';
import { applyEdits, byteEdits } from '../../helpers/byte-edits.js';

/** What a decoded request stores, in plain values. */
function stored(req: ColumnarPushRequest) {
  const cols = req.columns;
  return req.streams.map((s) => ({
    labels: s.labels.map((l) => [l.name, l.value]),
    labelsText: s.labelsText,
    labelsError: s.labelsError?.message,
    entries: Array.from({ length: s.to - s.from }, (_, k) => {
      const i = s.from + k;
      return { tMs: cols.tMs[i], tNs: cols.tNs[i], line: cols.buf.subarray(cols.start[i], cols.end[i]).toString('hex'), metadata: cols.metadata(i).map((l) => [l.name, l.value]) };
    }),
  }));
}

/** The reference: JSON.parse, the walk, then the columns. */
function slow(body: Buffer) {
  return stored(columnarPush(decodePushJson(body)));
}

/** The addon, which the suite requires built (test/util/native.test.ts says so when it is not). */
const addon = (): NativeAddon | null => native ?? null;

/**
 * Decodes with the fast decoder, with the addon and without it; when it accepts, both
 * answers must be the reference's.
 */
function agrees(body: Buffer): boolean {
  const fast = decodePushJsonFast(body, addon());
  const js = decodePushJsonFast(body, null);
  expect(js === undefined).toBe(fast === undefined);
  if (fast === undefined || js === undefined) return false;
  const want = slow(body);
  expect(stored(fast)).toEqual(want);
  expect(stored(js)).toEqual(want);
  // The streams and the request share one set of columns, as the push path reads them.
  for (const s of fast.streams) expect((s as { columns?: unknown }).columns).toBe(fast.columns);
  return true;
}

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', '"', '\\', '\n', '\t', '\u0000', '\u001f', '/', 'ü€😀', '\ud800', '\udc00x', 'a\ud83d\ude00b', '{"level":"info","msg":"a \\"quoted\\" word"}'),
);
// Mostly what clients send; the few names and times the fast decoder declines keep both
// paths in every run.
const name = fc.oneof({ arbitrary: fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/), weight: 8 }, { arbitrary: fc.constantFrom('__proto__', 'constructor', 'job', '1abc', 'é'), weight: 1 });
const ts = fc.oneof(
  { arbitrary: fc.bigInt({ min: 0n, max: 9_223_372_036_854_775_807n }).map(String), weight: 20 },
  { arbitrary: fc.constantFrom('0', '000123', '1700000000123456789', '9223372036854775808', '99999999999999999999'), weight: 1 },
);
const labelMap = fc.dictionary(name, text, { maxKeys: 4 });
const entry = fc.oneof(fc.tuple(ts, text), fc.tuple(ts, text, labelMap));
const pushBody = fc.record({ streams: fc.array(fc.record({ stream: labelMap, values: fc.array(entry, { maxLength: 5 }) }), { maxLength: 4 }) });
/** JSON.stringify with its escapes, or with every non-ASCII character escaped as \uXXXX, or pretty-printed. */
const rendering = fc.constantFrom('compact', 'ascii', 'pretty');

function render(doc: unknown, how: string): Buffer {
  if (how === 'pretty') return Buffer.from(JSON.stringify(doc, null, 2));
  const s = JSON.stringify(doc);
  if (how === 'ascii') return Buffer.from(s.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return Buffer.from(s);
}

describe('decodePushJsonFast', () => {
  it('gives what the JSON.parse decoder gives for any body it accepts, and accepts most of them', () => {
    let accepted = 0;
    let runs = 0;
    fc.assert(
      fc.property(pushBody, rendering, (doc, how) => {
        runs++;
        if (agrees(render(doc, how))) accepted++;
      }),
      { numRuns: 3000 },
    );
    // Labels starting with a digit, repeated names and escaped keys are the decliners' share.
    expect(accepted / runs).toBeGreaterThan(0.5);
  });

  it.each<[string, string]>([
    ['a plain body', '{"streams":[{"stream":{"job":"app"},"values":[["1700000000123456789","hello"]]}]}'],
    ['values before stream', '{"streams":[{"values":[["1","a"],["2","b",{"trace_id":"x"}]],"stream":{"job":"app"}}]}'],
    ['escapes in a line', String.raw`{"streams":[{"stream":{"a":"b"},"values":[["1","q\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\ud800 end"]]}]}`],
    ['an escape in a label value', String.raw`{"streams":[{"stream":{"a":"x\"y"},"values":[["1","l"]]}]}`],
    ['whitespace everywhere', ' \n{ "streams" : [ { "stream" : { "a" : "b" } , "values" : [ [ "1" , "l" , { } ] ] } ] } \r\n'],
    ['no streams', '{"streams":[]}'],
    ['a stream without entries', '{"streams":[{"stream":{},"values":[]}]}'],
    ['the same labels twice', '{"streams":[{"stream":{"a":"b"},"values":[["1","x"]]},{"stream":{"a":"b"},"values":[["2","y"]]}]}'],
    ['leading zeros in a timestamp', '{"streams":[{"stream":{"a":"b"},"values":[["0001","x"]]}]}'],
    ['U+FFFD in a label value (the stream refused as Loki refuses it)', '{"streams":[{"stream":{"a":"x\ufffd"},"values":[["1","l"]]},{"stream":{"a":"y"},"values":[["2","m"]]}]}'],
  ])('accepts %s, with the full decoder’s answer', (_name, body) => {
    expect(agrees(Buffer.from(body))).toBe(true);
  });

  it.each<[string, string | Buffer]>([
    ['invalid JSON', '{"streams":[{"stream":{"a":"b"},"values":[["1","x"]]}'],
    ['invalid UTF-8', Buffer.concat([Buffer.from('{"streams":[{"stream":{"a":"b"},"values":[["1","'), Buffer.from([0xff, 0xfe]), Buffer.from('"]]}]}')])],
    ['a raw control character in a line', '{"streams":[{"stream":{"a":"b"},"values":[["1","x\ty"]]}]}'],
    ['a null stream', '{"streams":[null]}'],
    ['null values', '{"streams":[{"stream":{"a":"b"},"values":null}]}'],
    ['a number label value', '{"streams":[{"stream":{"a":1},"values":[["1","x"]]}]}'],
    ['an unknown top-level key', '{"streams":[],"extra":1}'],
    ['an unknown stream key', '{"streams":[{"stream":{"a":"b"},"values":[],"x":1}]}'],
    ['a repeated label name', '{"streams":[{"stream":{"a":"b","a":"c"},"values":[["1","x"]]}]}'],
    ['a label name starting with a digit', '{"streams":[{"stream":{"b":"x","1":"y"},"values":[["1","x"]]}]}'],
    ['categorised metadata', '{"streams":[{"stream":{"a":"b"},"values":[["1","x",{"structuredMetadata":{"k":"v"}}]]}]}'],
    ['a signed timestamp', '{"streams":[{"stream":{"a":"b"},"values":[["+1","x"]]}]}'],
    ['a timestamp out of range', '{"streams":[{"stream":{"a":"b"},"values":[["9223372036854775808","x"]]}]}'],
    ['a bad escape', String.raw`{"streams":[{"stream":{"a":"b"},"values":[["1","x\qy"]]}]}`],
    ['an escaped key', String.raw`{"streams":[{"stream":{"\u0061":"b"},"values":[["1","x"]]}]}`],
  ])('leaves %s to the full decoder', (_name, body) => {
    const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
    expect(decodePushJsonFast(b, addon())).toBeUndefined();
    expect(decodePushJsonFast(b, null)).toBeUndefined();
  });

  it('agrees with the full decoder on mutated bodies, whenever it accepts one', () => {
    const seed = Buffer.from(String.raw`{"streams":[{"stream":{"job":"app","level":"info"},"values":[["1700000000123456789","hello \"x\" \u00e9"],["1700000000123456790","w\u00f6rld",{"trace_id":"abc"}]]},{"values":[["5","y"]],"stream":{"job":"other"}}]}`);
    fc.assert(
      fc.property(byteEdits(), (edits) => {
        const body = Buffer.from(applyEdits(seed, edits));
        let reference: unknown;
        try {
          reference = slow(body);
        } catch {
          // The full decoder refuses it: the fast one must not accept it.
          expect(decodePushJsonFast(body, addon())).toBeUndefined();
          expect(decodePushJsonFast(body, null)).toBeUndefined();
          return;
        }
        for (const a of [addon(), null]) {
          const fast = decodePushJsonFast(body, a);
          if (fast !== undefined) expect(stored(fast)).toEqual(reference);
        }
      }),
      { numRuns: 5000 },
    );
  });
});
