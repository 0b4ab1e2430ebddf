// The remote-write hot path (RemoteWriteIngester, which skips decoding and validating
// series it has seen by their wire bytes) must answer and store exactly what the
// reference path (decode to objects, then pushWriteRequest) does, request after request:
// same errors with the same messages, same stored samples, same discard counters.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { pushWriteRequest } from '../../src/ingest/distributor.js';
import { RemoteWriteIngester } from '../../src/ingest/remote-write-ingest.js';
import { decodeWriteRequestFast } from '../../src/ingest/remote-write/decode-fast.js';
import type { Tsdb } from '../../src/tsdb/tsdb.js';
import { isCairnError } from '../../src/util/errors.js';
import { encodeWriteRequest, type TestMetadata, type TestSeries } from '../helpers/remote-write.js';
import { ingestStore } from '../helpers/ingest-store.js';
import { cleanupTempDirs } from '../helpers/server.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const dbs: Tsdb[] = [];
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.stop();
  cleanupTempDirs();
});

async function store() {
  const st = await ingestStore(NOW, {
    'limits.max_label_names_per_series': 4,
    'limits.max_label_value_length': 8,
    'limits.max_global_series_per_user': 7,
    'limits.max_global_series_per_metric': 4,
    'limits.past_grace_period': '2h',
  });
  dbs.push(st.db);
  return st;
}

const outcome = async (p: Promise<void>) => {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (!isCairnError(err)) throw err;
    return `${err.kind} ${err.reason} ${err.message}`;
  }
};

// Label pairs, some valid, some breaking a rule (long value, bad name, empty value).
const labelPair = fc.constantFrom<[string, string]>(
  ['job', 'a'],
  ['job', 'b'],
  ['instance', 'x'],
  ['zone', 'eu'],
  ['zone', ''],
  ['le', '0.5'],
  ['le', 'toolongvalue'],
  ['bad-name', 'v'],
  ['job', 'c'],
);
const metricPair = fc.constantFrom<[string, string]>(['__name__', 'up'], ['__name__', 'cpu_total'], ['__name__', 'mem'], ['__name__', '1bad'], ['__name__', 'up']);
// A series: maybe a name, 0..4 other pairs, in any order (so one label set arrives as different bytes).
const labelSet = fc
  .tuple(fc.option(metricPair, { freq: 6 }), fc.array(labelPair, { maxLength: 4 }), fc.boolean())
  .map(([m, rest, reverse]) => {
    const all = m === null ? rest : [m, ...rest];
    return reverse ? all.reverse() : all;
  });
const time = fc.constantFrom(NOW - 3 * 3_600_000, NOW - 60_000, NOW - 30_000, NOW - 15_000, NOW, NOW + 15_000, NOW + 3_600_000);
const value = fc.constantFrom(0, 1, 2.5, -1, Number.NaN, Infinity);
const series: fc.Arbitrary<TestSeries> = fc.record({
  labels: labelSet,
  samples: fc.array(fc.tuple(time, value), { maxLength: 4 }),
  exemplars: fc.array(fc.record({ labels: fc.constantFrom<Record<string, string>>({ trace_id: 'abc' }, {}), t: fc.constantFrom(0, NOW), v: fc.constant(1) }), { maxLength: 1 }),
  histograms: fc.constantFrom(0, 0, 0, 1),
});
const metadata: fc.Arbitrary<TestMetadata[]> = fc.array(fc.record({ metricFamilyName: fc.constantFrom('up', '', 'mem'), help: fc.constantFrom('h', '') }), { maxLength: 2 });
const request = fc.tuple(fc.array(series, { maxLength: 6 }), metadata);

describe('remote-write hot path', () => {
  it('answers, stores and counts exactly as the reference path over random request sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 6 }), async (requests) => {
        const ref = await store();
        const fast = await store();
        const ingester = new RemoteWriteIngester(fast.deps);
        for (const [s, md] of requests) {
          const body = encodeWriteRequest(s, md);
          const a = await outcome(pushWriteRequest('t', decodeWriteRequestFast(body), ref.deps));
          const b = await outcome(ingester.push('t', body));
          expect(b).toBe(a);
        }
        expect(fast.stored()).toEqual(ref.stored());
        expect(await fast.counters()).toEqual(await ref.counters());
        for (const db of dbs.splice(0)) await db.stop();
      }),
      { numRuns: 150 },
    );
  });

  it('refuses a body that breaks half way as a whole, storing nothing of it', async () => {
    const fast = await store();
    const ingester = new RemoteWriteIngester(fast.deps);
    const good = encodeWriteRequest([{ labels: { __name__: 'up', job: 'a' }, samples: [[NOW, 1]] }]);
    const body = new Uint8Array(good.length * 2 + 1);
    body.set(good);
    body.set(good, good.length);
    body[body.length - 1] = 0x0a; // a timeseries tag with no length: truncated
    expect(await outcome(ingester.push('t', body))).toMatch(/^bad_data protobuf_invalid /);
    expect(fast.stored()).toEqual({});
    expect(await outcome(ingester.push('t', good))).toBe('ok');
    expect(Object.values(fast.stored())).toEqual([[`${NOW}:1`]]);
  });

  it('forgets what it knew when the tenant limits change', async () => {
    const fast = await store();
    const ingester = new RemoteWriteIngester(fast.deps);
    const overrides = fast.deps.limits;
    const s = (t: number) => encodeWriteRequest([{ labels: { __name__: 'up', job: 'abcdef' }, samples: [[t, 1]] }]);
    expect(await outcome(ingester.push('t', s(NOW)))).toBe('ok');
    overrides.replace(new Map([['t', { maxLabelValueLength: 3 }]]));
    expect(await outcome(ingester.push('t', s(NOW + 1)))).toMatch(/label_value_too_long/);
    expect(ingester.indexedSeries).toBe(0);
  });
});
