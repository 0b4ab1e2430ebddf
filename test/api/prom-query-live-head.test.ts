// Pins windowed instant queries over a head that keeps growing, as a rule evaluator or a
// refreshing dashboard asks them: samples pushed one scrape at a time through the real push
// route, queries between the pushes at the newest time, at earlier times and over two
// ranges in turn. Every answer is checked against the arithmetic of the known samples, so
// the head's read marks (a read starting where the last one of the chunk began) can never
// drop or repeat a sample, across chunk cuts and whatever the order of the queries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CairnServer } from '../../src/server.js';
import { ManualClock } from '../../src/util/clock.js';
import { writeRequestBody } from '../helpers/remote-write.js';
import { cleanupTempDirs, testServer } from '../helpers/server.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const SCRAPE_MS = 15_000;
/** 300 scrapes: the series' chunks are cut at 120 samples, so the windows cross cuts. */
const SCRAPES = 300;
const timeOf = (i: number) => T0 + i * SCRAPE_MS;
let server: CairnServer;
let auth: Record<string, string>;

beforeAll(async () => {
  server = testServer({ 'limits.ingestion_rate': 0 }, new ManualClock(timeOf(SCRAPES) + 60_000));
  await server.services.startAll();
  const token = server.tokens.create({ tenant: 'live', scopes: 'read+write' }).token;
  auth = { 'x-scope-orgid': 'live', authorization: `Bearer ${token}` };
});
afterAll(async () => {
  await server.stop();
  cleanupTempDirs();
});

/** Scrape i: the counter's value is i. */
async function push(i: number): Promise<void> {
  const res = await server.app.inject({
    method: 'POST',
    url: '/api/v1/push',
    headers: { ...auth, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    payload: writeRequestBody([{ labels: { __name__: 'ticks_total', job: 'live' }, samples: [[timeOf(i), i]] }]),
  });
  expect(res.statusCode, res.body).toBe(200);
}

/** The one value of an instant query at `t`, or undefined for an empty answer. */
async function instant(query: string, t: number): Promise<number | undefined> {
  const res = await server.app.inject({ method: 'GET', url: `/prometheus/api/v1/query?query=${encodeURIComponent(query)}&time=${t / 1000}`, headers: auth });
  expect(res.statusCode, res.body).toBe(200);
  const result = res.json().data.result as { value: [number, string] }[];
  expect(result.length).toBeLessThanOrEqual(1);
  return result.length === 0 ? undefined : Number(result[0]!.value[1]);
}

/**
 * What `count_over_time` and `sum_over_time` over [t - range, t] (both ends included, as
 * in Prometheus 2.x) give when scrapes 0..newest exist: the values are the scrape numbers.
 */
function expected(t: number, rangeMs: number, newest: number): { count: number; sum: number } | undefined {
  const first = Math.max(0, Math.ceil((t - rangeMs - T0) / SCRAPE_MS));
  const last = Math.min(newest, Math.floor((t - T0) / SCRAPE_MS));
  if (last < first) return undefined;
  const count = last - first + 1;
  return { count, sum: ((first + last) * count) / 2 };
}

async function check(t: number, range: string, rangeMs: number, newest: number): Promise<void> {
  const want = expected(t, rangeMs, newest);
  expect(await instant(`count_over_time(ticks_total[${range}])`, t), `count at scrape ${(t - T0) / SCRAPE_MS}, ${range}`).toBe(want?.count);
  expect(await instant(`sum_over_time(ticks_total[${range}])`, t), `sum at scrape ${(t - T0) / SCRAPE_MS}, ${range}`).toBe(want?.sum);
}

describe('windowed instant queries over a growing head', () => {
  it('count every sample of the window exactly once, at the newest time, earlier times and over two ranges in turn', async () => {
    for (let i = 0; i < SCRAPES; i++) {
      await push(i);
      const now = timeOf(i);
      // As a rule evaluator asks: the newest time, a 5m and a 1h window in turn.
      await check(now, '5m', 300_000, i);
      await check(now, '1h', 3_600_000, i);
      if (i % 7 === 0) {
        // A dashboard over the past: earlier times after later ones, between scrapes too.
        await check(now - 20 * SCRAPE_MS, '5m', 300_000, i);
        await check(now - 137 * SCRAPE_MS + 5_000, '5m', 300_000, i);
        await check(now - 3 * SCRAPE_MS, '2m', 120_000, i);
        await check(now, '5m', 300_000, i);
      }
    }
    // And the rate a rule would record, from the last 5 minutes: one tick a scrape.
    expect(await instant('rate(ticks_total[5m])', timeOf(SCRAPES - 1))).toBeCloseTo(1 / 15, 12);
  }, 60_000);
});
