// Proves the small shared pieces: duration parsing and printing, tenant ID rules as
// Mimir's, and the token bucket's refill, burst and retry-after arithmetic.
import { describe, expect, it } from 'vitest';
import { validateTenantId } from '../../src/model/tenant.js';
import { ManualClock } from '../../src/util/clock.js';
import { formatDuration, parseDuration } from '../../src/util/duration.js';
import { TokenBucketLimiter } from '../../src/util/token-bucket.js';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['500ms', 500],
    ['15s', 15_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['744h', 744 * 3_600_000],
    ['31d', 31 * 86_400_000],
    ['2w', 14 * 86_400_000],
    ['1y', 365 * 86_400_000],
    ['1.5h', 5_400_000],
    ['250us', 0.25],
    ['-5m', -300_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', 'm', '5 m', '5x', '1h-5m'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/duration/);
  });

  it.each([
    [0, '0s'],
    [90_000, '1m30s'],
    [31 * 86_400_000, '31d'],
    [26 * 3_600_000, '1d2h'],
    [1500, '1s500ms'],
  ])('formats %d as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('validateTenantId', () => {
  it.each(['dev', 'team-a', "a!b-c_d.e*f'g(h)i", '1234', 'x'.repeat(150)])('accepts %j', (id) => {
    expect(() => validateTenantId(id)).not.toThrow();
  });

  it.each([
    { id: '', error: /no org id/ },
    { id: '.', error: /'\.' or '\.\.'/ },
    { id: '..', error: /'\.' or '\.\.'/ },
    { id: 'x'.repeat(151), error: /too long: max 150/ },
    { id: 'a/b', error: /unsupported character '\/'/ },
    { id: 'a b', error: /unsupported character ' '/ },
    { id: 'a:b', error: /unsupported character ':'/ },
    { id: 'ä', error: /unsupported character 'ä'/ },
    { id: 'a|b', error: /multiple org IDs/ },
  ])('refuses $id', ({ id, error }) => {
    expect(() => validateTenantId(id)).toThrow(error);
  });
});

describe('TokenBucketLimiter', () => {
  it('allows the burst, then refills at the rate, and says when to retry', () => {
    const clock = new ManualClock(0);
    const b = new TokenBucketLimiter(clock);
    expect(b.take('t', 100, 10, 100)).toEqual({ ok: true });
    expect(b.take('t', 1, 10, 100)).toEqual({ ok: false, retryAfterMs: 100, exceedsBurst: false });
    clock.advance(1000);
    expect(b.take('t', 10, 10, 100)).toEqual({ ok: true });
    expect(b.take('t', 1, 10, 100).ok).toBe(false);
    clock.advance(60_000);
    expect(b.take('t', 100, 10, 100)).toEqual({ ok: true }); // capped at burst, not 600
    expect(b.take('t', 1, 10, 100).ok).toBe(false);
  });

  it('refuses a request larger than the burst outright', () => {
    const b = new TokenBucketLimiter(new ManualClock(0));
    expect(b.take('t', 101, 10, 100)).toMatchObject({ ok: false, exceedsBurst: true });
  });

  it('treats a rate of 0 as unlimited, and keeps keys apart', () => {
    const b = new TokenBucketLimiter(new ManualClock(0));
    expect(b.take('t', 1e9, 0, 0)).toEqual({ ok: true });
    expect(b.take('a', 10, 1, 10)).toEqual({ ok: true });
    expect(b.take('b', 10, 1, 10)).toEqual({ ok: true });
  });
});
