// Proves the query response body written directly by `querySuccessBody` is byte for byte
// what JSON.stringify gives for the Prometheus API's object shape (labels as objects,
// samples as [seconds, "value"]), for any labels (escapes, non-ASCII, `__proto__`) and values.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { formatSampleValue, labelsJson, querySuccessBody, rangeSuccessBody, rangeSuccessBodyOnWorkers, recentLabelsBytes, recentLabelsJson, labelSetsSuccessBody, stringsSuccessBody, vectorSuccessBody } from '../../src/api/prom-json.js';
import { compressedFormsOf } from '../../src/api/compression.js';
import type { Labels } from '../../src/model/labels.js';
import type { LentBytes } from '../../src/promql/entry-writer.js';
import type { ColumnSeries, Value } from '../../src/promql/value.js';
import { createQueryWorkers } from '../../src/promql/parallel/query-workers.js';

/** The reference: the object the API documents, serialized by JSON.stringify. */
function reference(value: Value): string {
  // A null-prototype object keeps a `__proto__` label as an ordinary key.
  const metric = (ls: Labels) => {
    const o = Object.create(null) as Record<string, string>;
    for (const l of ls) o[l.name] = l.value;
    return o;
  };
  const sample = (t: number, v: number) => [t / 1000, formatSampleValue(v)];
  let data: unknown;
  switch (value.type) {
    case 'scalar':
      data = { resultType: 'scalar', result: sample(value.t, value.v) };
      break;
    case 'string':
      data = { resultType: 'string', result: [value.t / 1000, value.v] };
      break;
    case 'vector':
      data = { resultType: 'vector', result: value.vector.map((s) => ({ metric: metric(s.metric), value: sample(s.t, s.v) })) };
      break;
    case 'matrix':
      data = { resultType: 'matrix', result: value.matrix.map((s) => ({ metric: metric(s.metric), values: s.points.map((p) => sample(p.t, p.v)) })) };
      break;
  }
  return JSON.stringify({ status: 'success', data });
}

const labelName = fc.oneof(fc.constantFrom('__name__', '__proto__', 'constructor', 'le', 'job'), fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/));
const labelValue = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', '"', '\\', '\n', '\u2028', '\u0000', 'ü€😀', '\ud800', 'a\udc00b'));
const labels = fc.uniqueArray(fc.record({ name: labelName, value: labelValue }), { selector: (l) => l.name, maxLength: 5 }).map((ls) => [...ls].sort((a, b) => (a.name < b.name ? -1 : 1)) as Labels);
/** A lent body's text; the body is released. */
function text(body: LentBytes): string {
  const s = Buffer.from(body.bytes).toString();
  body.release();
  return s;
}

const time = fc.integer({ min: -1e13, max: 1e13 });
const num = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1e-7, 1e21, 123.456));

const values: fc.Arbitrary<Value> = fc.oneof(
  fc.record({ type: fc.constant('scalar' as const), t: time, v: num }),
  fc.record({ type: fc.constant('string' as const), t: time, v: fc.string({ unit: 'binary' }) }),
  fc.record({ type: fc.constant('vector' as const), vector: fc.array(fc.record({ metric: labels, t: time, v: num }), { maxLength: 4 }) }),
  fc.record({
    type: fc.constant('matrix' as const),
    matrix: fc.array(fc.record({ metric: labels, points: fc.array(fc.record({ t: time, v: num }), { maxLength: 5 }) }), { maxLength: 4 }),
  }),
);

describe('querySuccessBody', () => {
  it('writes what JSON.stringify writes for the API object, for any value', () => {
    fc.assert(
      fc.property(values, (v) => {
        expect(querySuccessBody(v)).toBe(reference(v));
        // An instant vector written as bytes is the same text.
        if (v.type === 'vector') expect(text(vectorSuccessBody(v.vector))).toBe(reference(v));
        // A range query's answer, written from columns, is the same matrix.
        if (v.type === 'matrix') {
          const columns = v.matrix.map((m) => ({ metric: m.metric, t: m.points.map((p) => p.t), v: m.points.map((p) => p.v) }));
          expect(text(rangeSuccessBody(columns))).toBe(reference(v));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it.each<[string, Value, string]>([
    ['an empty matrix', { type: 'matrix', matrix: [] }, '{"status":"success","data":{"resultType":"matrix","result":[]}}'],
    ['a series without labels', { type: 'vector', vector: [{ metric: [], t: 1500, v: 2 }] }, '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1.5,"2"]}]}}'],
    [
      'a __proto__ label is kept',
      { type: 'vector', vector: [{ metric: [{ name: '__proto__', value: 'x' }], t: 0, v: NaN }] },
      '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__proto__":"x"},"value":[0,"NaN"]}]}}',
    ],
  ])('%s', (_name, v, want) => {
    expect(querySuccessBody(v)).toBe(want);
  });
});

describe('labelSetsSuccessBody', () => {
  it("writes what JSON.stringify writes for the series API's answer, for any label sets", () => {
    fc.assert(
      fc.property(fc.array(labels, { maxLength: 6 }), (sets) => {
        const want = JSON.stringify({ status: 'success', data: sets.map((ls) => Object.assign(Object.create(null) as object, Object.fromEntries(ls.map((l) => [l.name, l.value])))) });
        expect(text(labelSetsSuccessBody(sets))).toBe(want);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('stringsSuccessBody', () => {
  it('writes a list once, as JSON.stringify would, marked unchanging so its gzip is kept too', () => {
    const list = ['a', 'é"\\', '\u{1f600}'];
    const body = stringsSuccessBody(list);
    expect(body.toString('utf8')).toBe(JSON.stringify({ status: 'success', data: list }));
    expect(stringsSuccessBody(list)).toBe(body);
    expect(stringsSuccessBody([...list])).not.toBe(body);
    expect(compressedFormsOf(body)).toBeDefined();
  });
});

describe('recentLabelsJson', () => {
  it('writes what labelsJson writes, for label sets seen again, equal ones and past its bound', () => {
    const sets: Labels[] = Array.from({ length: 40_000 }, (_, i) => [
      { name: '__name__', value: 'm' },
      { name: 'i', value: String(i) },
    ]);
    for (const ls of sets) expect(recentLabelsJson(ls)).toBe(`{"__name__":"m","i":"${ls[1]!.value}"}`);
    // Again, after the cache was cleared on the way, and an equal set in another array.
    for (const i of [0, 1, 20_000, 39_999]) {
      expect(recentLabelsJson(sets[i]!)).toBe(labelsJson(sets[i]!));
      expect(recentLabelsJson(sets[i]!.map((l) => ({ ...l })))).toBe(`{"__name__":"m","i":"${i}"}`);
    }
    const escaped: Labels = [{ name: 'a', value: 'say "hi"\n' }];
    expect(recentLabelsJson(escaped)).toBe(recentLabelsJson(escaped));
    expect(recentLabelsJson(escaped)).toBe(JSON.stringify({ a: escaped[0]!.value }));
  });
});

describe('recentLabelsBytes', () => {
  it("holds recentLabelsJson's text as UTF-8, for label sets seen again and past its bound", () => {
    const sets: Labels[] = Array.from({ length: 40_000 }, (_, i) => [{ name: 'i', value: `${i}ü` }]);
    const decode = (b: Uint8Array) => Buffer.from(b).toString();
    for (const ls of sets) expect(decode(recentLabelsBytes(ls))).toBe(`{"i":"${ls[0]!.value}"}`);
    for (const i of [0, 1, 20_000, 39_999]) expect(decode(recentLabelsBytes(sets[i]!))).toBe(recentLabelsJson(sets[i]!));
  });
});

describe('range answers written on the query workers', () => {
  const workers = createQueryWorkers({ threads: 2 });
  afterAll(() => workers.close());

  it('give the body the main thread writes, for any matrix', async () => {
    const matrices = fc.array(fc.record({ metric: labels, points: fc.array(fc.record({ t: time, v: num }), { maxLength: 40 }) }), { maxLength: 9 });
    await fc.assert(
      fc.asyncProperty(matrices, async (matrix) => {
        const columns: ColumnSeries[] = matrix.map((m) => ({ metric: m.metric, t: m.points.map((p) => p.t), v: m.points.map((p) => p.v) }));
        // Both held at once: a body lent and not yet released is not written over.
        const onWorkers = await rangeSuccessBodyOnWorkers(columns, workers);
        const here = rangeSuccessBody(columns);
        expect(text(onWorkers)).toBe(text(here));
      }),
      { numRuns: 200 },
    );
  });
});
