// Proves the Prometheus API's parameter and value formats: timestamps (unix float seconds
// rounded to ms, RFC3339, the min/max sentinels), durations (float seconds, Prometheus
// units), GET+POST merging, and Go's sample value strings.
import { describe, expect, it } from 'vitest';
import { formatSampleValue } from '../../src/api/prom-json.js';
import { MAX_TIME_MS, MIN_TIME_MS, parseDurationParam, parseTime, promParams } from '../../src/api/prom-params.js';

describe('timestamps', () => {
  it.each([
    { s: '1435781451', want: 1435781451000 },
    { s: '1435781451.781', want: 1435781451781 },
    { s: '1435781451.7815', want: 1435781451782 },
    { s: '0', want: 0 },
    { s: '-1.5', want: -1500 },
    { s: '1e3', want: 1_000_000 },
    { s: '2015-07-01T20:10:51.781Z', want: 1435781451781 },
    { s: '2015-07-01T20:10:51Z', want: 1435781451000 },
    { s: '2015-07-01T22:10:51.781123456+02:00', want: 1435781451781 },
    { s: '-292273086-05-16T16:47:06Z', want: MIN_TIME_MS },
    { s: '292277025-08-18T07:12:54.999999999Z', want: MAX_TIME_MS },
    { s: 'yesterday', want: undefined },
    { s: '2015-07-01', want: undefined },
    { s: 'NaN', want: undefined },
  ])('$s', ({ s, want }) => expect(parseTime(s)).toBe(want));
});

describe('durations', () => {
  it.each([
    { s: '15', want: 15_000 },
    { s: '0.5', want: 500 },
    { s: '15s', want: 15_000 },
    { s: '1m30s', want: 90_000 },
    { s: '2h', want: 7_200_000 },
    { s: '1w', want: 604_800_000 },
    { s: '100ms', want: 100 },
  ])('$s', ({ s, want }) => expect(parseDurationParam(promParams(`/x?step=${encodeURIComponent(s)}`, undefined), 'step')).toBe(want));

  it('refuses nonsense with Prometheus words', () => {
    expect(() => parseDurationParam(promParams('/x?step=often', undefined), 'step')).toThrow('invalid parameter "step": cannot parse "often" to a valid duration');
  });
});

describe('merging URL and form', () => {
  it('prefers the body for single values and keeps every match[]', () => {
    const p = promParams('/x?query=a&match[]=u1', new URLSearchParams('query=b&match[]=b1&match[]=b2'));
    expect(p.get('query')).toBe('b');
    expect(p.getAll('match[]')).toEqual(['b1', 'b2', 'u1']);
  });
});

describe('sample values', () => {
  it.each([
    { v: 0, want: '0' },
    { v: -0, want: '-0' },
    { v: 1, want: '1' },
    { v: 0.1, want: '0.1' },
    { v: 1 / 3, want: '0.3333333333333333' },
    { v: 123456789012, want: '123456789012' },
    { v: 1e-6, want: '0.000001' },
    { v: 1e-7, want: '1e-07' },
    { v: 1.5e-10, want: '1.5e-10' },
    { v: 1e21, want: '1e+21' },
    { v: 1e20, want: '100000000000000000000' },
    { v: -2.5e300, want: '-2.5e+300' },
    { v: Number.NaN, want: 'NaN' },
    { v: Infinity, want: '+Inf' },
    { v: -Infinity, want: '-Inf' },
  ])('$v → $want', ({ v, want }) => expect(formatSampleValue(v)).toBe(want));
});
