// Pins how the Loki query API reads its parameters (Loki's pkg/loghttp/params.go and
// query.go): every timestamp and duration form, the defaults, and every 400 text in Loki's
// own words, in Loki's order of checks.
import { describe, expect, it } from 'vitest';
import {
  checkEntriesLimit,
  defaultStepNs,
  lokiParams,
  parseBounds,
  parseInstantRequest,
  parseLokiTimestamp,
  parseRangeRequest,
  parseSecondsOrDuration,
  parseTailRequest,
  parseVolumeRequest,
  seriesGroups,
  splitNs,
} from '../../src/api/loki-params.js';

const NOW = 1_700_000_000_000_000_000n; // 2023-11-14T22:13:20Z in ns
const S = 1_000_000_000n;
const q = (query: string) => lokiParams(`/x?${query}`, undefined);

describe('parseLokiTimestamp', () => {
  const cases: { name: string; input: string; expected: bigint }[] = [
    { name: 'RFC3339', input: '2023-11-14T22:13:20Z', expected: NOW },
    { name: 'RFC3339Nano', input: '2023-11-14T22:13:20.000000123Z', expected: NOW + 123n },
    { name: 'RFC3339 with offset', input: '2023-11-15T00:13:20+02:00', expected: NOW },
    { name: 'RFC3339 with negative offset and millis', input: '2023-11-14T21:13:20.5-01:00', expected: NOW + 500_000_000n },
    { name: 'integer seconds (10 digits)', input: '1700000000', expected: NOW },
    { name: 'integer seconds up to 1e10', input: '10000000000', expected: 10_000_000_000n * S },
    { name: 'integer nanoseconds above 1e10', input: '1700000000000000123', expected: NOW + 123n },
    { name: 'integer with sign', input: '+1700000000', expected: NOW },
    { name: 'float seconds', input: '1700000000.5', expected: NOW + 500_000_000n },
    { name: 'float seconds rounded to ms', input: '1700000000.1234567', expected: NOW + 123_000_000n },
    { name: 'float in scientific notation', input: '1.7e9', expected: NOW },
    { name: 'float above 1e10 is nanoseconds', input: '1700000000000000000.0', expected: NOW },
    { name: 'zero', input: '0', expected: 0n },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(parseLokiTimestamp(input, 0n)).toBe(expected);
  });

  it('uses the default when empty', () => {
    expect(parseLokiTimestamp('', 42n)).toBe(42n);
    expect(parseLokiTimestamp(undefined, 42n)).toBe(42n);
  });

  const errors: { input: string; error: string }[] = [
    { input: 'abc', error: 'strconv.ParseInt: parsing "abc": invalid syntax' },
    { input: '2023-13-01T00:00:00Z', error: 'strconv.ParseInt: parsing "2023-13-01T00:00:00Z": invalid syntax' },
    { input: '1.2.3', error: 'strconv.ParseFloat: parsing "1.2.3": invalid syntax' },
    { input: '1.7e9.', error: 'strconv.ParseFloat: parsing "1.7e9.": invalid syntax' },
    { input: '99999999999999999999', error: 'strconv.ParseInt: parsing "99999999999999999999": value out of range' },
    { input: 'NaN.', error: 'strconv.ParseFloat: parsing "NaN.": invalid syntax' },
  ];
  it.each(errors)('refuses $input', ({ input, error }) => {
    expect(() => parseLokiTimestamp(input, 0n)).toThrow(error);
  });
});

describe('parseSecondsOrDuration', () => {
  const cases: { input: string; expected: bigint }[] = [
    { input: '15', expected: 15n * S },
    { input: '0.5', expected: 500_000_000n },
    { input: '1e1', expected: 10n * S },
    { input: '15s', expected: 15n * S },
    { input: '1m30s', expected: 90n * S },
    { input: '2h', expected: 7200n * S },
    { input: '1d', expected: 86_400n * S },
    { input: '1w', expected: 604_800n * S },
    { input: '1y', expected: 31_536_000n * S },
    { input: '100ms', expected: 100_000_000n },
    { input: '-5', expected: -5n * S },
  ];
  it.each(cases)('$input', ({ input, expected }) => expect(parseSecondsOrDuration(input)).toBe(expected));

  it.each([
    ['1.5h', 'cannot parse "1.5h" to a valid duration'],
    ['abc', 'cannot parse "abc" to a valid duration'],
    ['1e300', 'cannot parse "1e300" to a valid duration. It overflows int64'],
  ])('refuses %s', (input, error) => expect(() => parseSecondsOrDuration(input)).toThrow(error));
});

describe('parseBounds', () => {
  const cases: { name: string; query: string; start: bigint; end: bigint }[] = [
    { name: 'defaults: the last hour', query: '', start: NOW - 3600n * S, end: NOW },
    { name: 'since', query: 'since=5m', start: NOW - 300n * S, end: NOW },
    { name: 'since from an end in the past', query: 'since=5m&end=1699999000', start: 1_699_999_000n * S - 300n * S, end: 1_699_999_000n * S },
    { name: 'since from now when end is in the future', query: 'since=5m&end=1800000000', start: NOW - 300n * S, end: 1_800_000_000n * S },
    { name: 'explicit start wins over since', query: 'since=5m&start=1600000000', start: 1_600_000_000n * S, end: NOW },
  ];
  it.each(cases)('$name', ({ query, start, end }) => expect(parseBounds(q(query), NOW)).toEqual({ start, end }));

  it.each([
    ['since=1.5h', `could not parse 'since' parameter: not a valid duration string: "1.5h"`],
    ['since=30', `could not parse 'since' parameter: not a valid duration string: "30"`],
    ['end=x', `could not parse 'end' parameter: strconv.ParseInt: parsing "x": invalid syntax`],
    ['start=x', `could not parse 'start' parameter: strconv.ParseInt: parsing "x": invalid syntax`],
  ])('refuses %s', (query, error) => expect(() => parseBounds(q(query), NOW)).toThrow(error));
});

describe('parseRangeRequest', () => {
  it('applies Loki defaults', () => {
    const r = parseRangeRequest(q('query={a="b"}'), NOW);
    expect(r).toEqual({ query: '{a="b"}', start: NOW - 3600n * S, end: NOW, stepNs: 14n * S, intervalNs: 0n, limit: 100, direction: 'backward' });
  });

  it('reads every parameter', () => {
    const r = parseRangeRequest(q('query=x&start=1600000000&end=1600000600&step=30s&interval=10&limit=5&direction=FORWARD'), NOW);
    expect(r).toEqual({ query: 'x', start: 1_600_000_000n * S, end: 1_600_000_600n * S, stepNs: 30n * S, intervalNs: 10n * S, limit: 5, direction: 'forward' });
  });

  it('accepts end equal to start (Loki checks end.Before(start))', () => {
    expect(parseRangeRequest(q('start=10&end=10'), NOW).stepNs).toBe(S);
  });

  it('reads a POST form body before the URL', () => {
    const p = lokiParams('/x?limit=5', new URLSearchParams('limit=7'));
    expect(parseRangeRequest(p, NOW).limit).toBe(7);
  });

  const errors: { name: string; query: string; error: string }[] = [
    { name: 'end before start', query: 'start=20&end=10', error: 'end timestamp must not be before or equal to start time' },
    { name: 'limit not a number', query: 'limit=x', error: 'strconv.Atoi: parsing "x": invalid syntax' },
    { name: 'limit zero', query: 'limit=0', error: 'limit must be a positive value' },
    { name: 'limit negative', query: 'limit=-3', error: 'limit must be a positive value' },
    { name: 'direction', query: 'direction=up', error: "invalid direction 'up'" },
    { name: 'step zero', query: 'step=0', error: 'zero or negative query resolution step widths are not accepted. Try a positive integer' },
    { name: 'step negative', query: 'step=-1s', error: 'cannot parse "-1s" to a valid duration' },
    { name: 'step negative seconds', query: 'step=-1', error: 'zero or negative query resolution step widths are not accepted. Try a positive integer' },
    { name: 'step bad', query: 'step=x', error: 'cannot parse "x" to a valid duration' },
    {
      name: '11000 points',
      query: 'start=0&end=11001&step=1',
      error: 'exceeded maximum resolution of 11,000 points per time series. Try increasing the value of the step parameter',
    },
    { name: 'interval negative', query: 'interval=-1', error: 'interval must be >= 0' },
    { name: 'interval bad', query: 'interval=x', error: 'cannot parse "x" to a valid duration' },
  ];
  it.each(errors)('refuses $name', ({ query, error }) => {
    expect(() => parseRangeRequest(q(query), NOW)).toThrow(error);
  });

  it('allows exactly 11000 points', () => {
    expect(parseRangeRequest(q('start=0&end=11000&step=1'), NOW).stepNs).toBe(S);
  });
});

describe('defaultStepNs', () => {
  it.each([
    [0n, S],
    [249n * S, S],
    [500n * S, 2n * S],
    [3600n * S, 14n * S],
    [86_400n * S, 345n * S],
  ])('range %s ns → %s ns', (range, step) => expect(defaultStepNs(0n, range)).toBe(step));
});

describe('parseInstantRequest', () => {
  it('defaults time to now, limit 100, backward', () => {
    expect(parseInstantRequest(q('query=x'), NOW)).toEqual({ query: 'x', t: NOW, limit: 100, direction: 'backward' });
  });
  it('reads time', () => expect(parseInstantRequest(q('time=1600000000'), NOW).t).toBe(1_600_000_000n * S));
});

describe('checkEntriesLimit', () => {
  it('refuses over the limit with Loki’s text', () => {
    expect(() => checkEntriesLimit(5001, 5000)).toThrow('max entries limit per query exceeded, limit > max_entries_limit_per_query (5001 > 5000)');
  });
  it('accepts the limit and 0 = unlimited', () => {
    expect(() => checkEntriesLimit(5000, 5000)).not.toThrow();
    expect(() => checkEntriesLimit(1e9, 0)).not.toThrow();
  });
});

describe('parseTailRequest', () => {
  it('defaults', () => expect(parseTailRequest(q('query=x'), NOW)).toEqual({ query: 'x', start: NOW - 3600n * S, limit: 100, delayForS: 0 }));
  it('reads delay_for, limit and start', () => {
    expect(parseTailRequest(q('query=x&delay_for=5&limit=3&start=1600000000'), NOW)).toEqual({ query: 'x', start: 1_600_000_000n * S, limit: 3, delayForS: 5 });
  });
  it.each([
    ['delay_for=6', "delay_for can't be greater than 5"],
    ['delay_for=-1', "delay_for can't be greater than 5"],
    ['delay_for=x', 'strconv.Atoi: parsing "x": invalid syntax'],
    ['limit=0', 'limit must be a positive value'],
  ])('refuses %s', (query, error) => expect(() => parseTailRequest(q(query), NOW)).toThrow(error));
});

describe('parseVolumeRequest', () => {
  it('defaults for the instant endpoint', () => {
    expect(parseVolumeRequest(q('query={a="b"}'), NOW, false)).toEqual({
      query: '{a="b"}',
      start: NOW - 3600n * S,
      end: NOW,
      stepNs: 0n,
      limit: 100,
      targetLabels: [],
      aggregateBy: 'series',
    });
  });
  it('reads the range endpoint’s step, targetLabels, aggregateBy; limit 0 means 100', () => {
    const r = parseVolumeRequest(q('query={a="b"}&step=60&targetLabels=a,b&aggregateBy=labels&limit=0'), NOW, true);
    expect(r).toMatchObject({ stepNs: 60n * S, targetLabels: ['a', 'b'], aggregateBy: 'labels', limit: 100 });
  });
  it.each([
    ['limit=-1', 'limit must be a positive value'],
    ['aggregateBy=x', 'invalid aggregation option'],
  ])('refuses %s', (query, error) => expect(() => parseVolumeRequest(q(query), NOW, false)).toThrow(error));
});

describe('seriesGroups', () => {
  it('merges match and match[] deduplicated and sorted', () => {
    expect(seriesGroups(q('match[]={b="1"}&match={a="1"}&match[]={a="1"}'))).toEqual(['{a="1"}', '{b="1"}']);
  });
  it('treats a lone {} as everything', () => expect(seriesGroups(q('match[]={ }'))).toEqual([]));
});

describe('splitNs', () => {
  it.each([
    [NOW + 123n, { ms: 1_700_000_000_000, ns: 123 }],
    [-1n, { ms: -1, ns: 999_999 }],
  ])('%s', (t, expected) => expect(splitNs(t)).toEqual(expected));
});
