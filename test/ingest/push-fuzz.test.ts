// Random and mutated remote-write bodies through the real push route: the answer is
// always 200 (the mutation left a valid request) or a 4xx, never a 5xx, and the server
// keeps storing valid data afterwards. Also: invalid UTF-8 in a label, which only a
// hand-built body can carry.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snappyCompress } from '../../src/ingest/remote-write/snappy.js';
import { labelsToObject } from '../../src/model/labels.js';
import { newMatcher } from '../../src/model/matcher.js';
import type { CairnServer } from '../../src/server.js';
import { ManualClock } from '../../src/util/clock.js';
import { encodeWriteRequest } from '../helpers/remote-write.js';
import { cleanupTempDirs, testServer } from '../helpers/server.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
let server: CairnServer;
let token: string;

beforeAll(async () => {
  server = testServer({ 'limits.ingestion_rate': 0 }, new ManualClock(NOW));
  await server.services.startAll();
  token = server.tokens.create({ tenant: 'dev', scopes: 'read+write' }).token;
});
afterAll(async () => {
  await server.stop();
  cleanupTempDirs();
});

const push = (payload: Uint8Array) =>
  server.app.inject({
    method: 'POST',
    url: '/api/v1/push',
    headers: { 'x-scope-orgid': 'dev', authorization: `Bearer ${token}`, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    payload: Buffer.from(payload),
  });

const valid = encodeWriteRequest(
  [
    { labels: { __name__: 'up', job: 'a', instance: 'x:1' }, samples: [[NOW - 30_000, 1], [NOW - 15_000, 1]], exemplars: [{ labels: { trace_id: 'abc' }, t: NOW - 15_000, v: 1 }] },
    { labels: { __name__: 'cpu_seconds_total', mode: 'idle', cpu: '0' }, samples: [[NOW - 15_000, 123.5]] },
  ],
  [{ metricFamilyName: 'up', help: 'Is it up', type: 1 }],
);

/** A mutation of a byte array: flips, inserts, deletes, truncates. */
const mutated = (base: Uint8Array) =>
  fc
    .array(
      fc.oneof(
        fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
        fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
        fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
        fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
        fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((ops) => {
      let b = Array.from(base);
      for (const o of ops) {
        const at = b.length === 0 ? 0 : o.at % b.length;
        if (o.op === 'flip') b[at] = (b[at] ?? 0) ^ (1 << o.bit);
        else if (o.op === 'set') b[at] = o.byte;
        else if (o.op === 'insert') b.splice(at, 0, ...o.bytes);
        else if (o.op === 'delete') b.splice(at, o.n);
        else b = b.slice(0, at);
      }
      return Uint8Array.from(b);
    });

const expectHandled = (status: number, body: string) => {
  expect(status === 200 || (status >= 400 && status < 500), `status ${status}: ${body}`).toBe(true);
  if (status !== 200) expect(body.length).toBeGreaterThan(0);
};

describe('push fuzzing', () => {
  it('answers mutated protobuf (valid snappy) with 200 or a 4xx with a message', async () => {
    await fc.assert(
      fc.asyncProperty(mutated(valid), async (raw) => {
        const res = await push(snappyCompress(raw));
        expectHandled(res.statusCode, res.body);
      }),
      { numRuns: 400 },
    );
  });

  it('answers mutated snappy framing with 200 or a 4xx with a message', async () => {
    await fc.assert(
      fc.asyncProperty(mutated(snappyCompress(valid)), async (body) => {
        const res = await push(body);
        expectHandled(res.statusCode, res.body);
      }),
      { numRuns: 300 },
    );
  });

  it('answers random bytes, compressed or not, with a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.boolean(), async (bytes, compress) => {
        const res = await push(compress ? snappyCompress(bytes) : bytes);
        expectHandled(res.statusCode, res.body);
      }),
      { numRuns: 300 },
    );
  });

  it('still stores a valid request afterwards', async () => {
    const body = encodeWriteRequest([{ labels: { __name__: 'after_fuzz', job: 'z' }, samples: [[NOW, 42]] }]);
    const res = await push(snappyCompress(body));
    expect(res.statusCode, res.body).toBe(200);
    const set = server.tsdb.querier('dev', -Infinity, Infinity).select([newMatcher('=', '__name__', 'after_fuzz')]);
    expect(set.next()).toBe(true);
    expect(labelsToObject(set.at().labels)).toEqual({ __name__: 'after_fuzz', job: 'z' });
  });
});

/** A WriteRequest with one series whose labels are given as raw bytes (any UTF-8 validity). */
function rawLabelsRequest(labels: [Uint8Array, Uint8Array][], t: number, v: number): Uint8Array {
  const out: number[] = [];
  const len = (n: number) => {
    const b: number[] = [];
    while (n >= 0x80) {
      b.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    b.push(n);
    return b;
  };
  const field = (tag: number, body: number[]) => [tag, ...len(body.length), ...body];
  const series: number[] = [];
  for (const [name, value] of labels) series.push(...field(0x0a, [...field(0x0a, [...name]), ...field(0x12, [...value])]));
  const sample = new Uint8Array(9 + 10);
  const dv = new DataView(sample.buffer);
  sample[0] = 0x09;
  dv.setFloat64(1, v, true);
  sample[9] = 0x10;
  const ts = len(t);
  series.push(...field(0x12, [...sample.subarray(0, 10), ...ts]));
  out.push(...field(0x0a, series));
  return Uint8Array.from(out);
}

describe('label bytes that are not UTF-8', () => {
  it('refuses the series with 400 label_value_invalid, naming the label', async () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    const body = rawLabelsRequest(
      [
        [enc('__name__'), enc('bad_utf8')],
        [enc('job'), Uint8Array.from([0x61, 0xff, 0xfe])],
      ],
      NOW,
      1,
    );
    const res = await push(snappyCompress(body));
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/invalid value in label 'job'.*metric: 'bad_utf8' \(err-mimir-label-value-invalid\)/);
    const set = server.tsdb.querier('dev', -Infinity, Infinity).select([newMatcher('=', '__name__', 'bad_utf8')]);
    expect(set.next()).toBe(false);
  });
});
