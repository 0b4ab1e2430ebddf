// Pins the flush route and retention at ingest through the real server: only an admin may
// flush, a flush answers with what it did and the data stays queryable from blocks, a bad
// tenant is a 400, and samples older than the tenant's retention get 400
// too_old_for_retention naming the config key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CairnServer } from '../../src/server.js';
import { ManualClock } from '../../src/util/clock.js';
import { writeRequestBody } from '../helpers/remote-write.js';
import { cleanupTempDirs, testServer } from '../helpers/server.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const ADMIN = 'f'.repeat(40);
let server: CairnServer;
let auth: Record<string, string>;

beforeAll(async () => {
  server = testServer({ 'limits.ingestion_rate': 0, 'auth.admin_token': ADMIN, 'limits.compactor_blocks_retention_period': '7d' }, new ManualClock(NOW));
  await server.services.startAll();
  const token = server.tokens.create({ tenant: 'dev', scopes: 'read+write' }).token;
  auth = { 'x-scope-orgid': 'dev', authorization: `Bearer ${token}` };
});
afterAll(async () => {
  await server.stop();
  cleanupTempDirs();
});

const push = (samples: [number, number][]) =>
  server.app.inject({
    method: 'POST',
    url: '/api/v1/push',
    headers: { ...auth, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    payload: writeRequestBody([{ labels: { __name__: 'flushed', job: 'x' }, samples }]),
  });

const flush = (headers: Record<string, string>, query = '?tenant=dev') => server.app.inject({ method: 'POST', url: `/admin/api/v1/flush${query}`, headers });

describe('POST /admin/api/v1/flush', () => {
  it('moves the head into a block and the data stays queryable', async () => {
    expect((await push([[NOW - 120_000, 1], [NOW - 60_000, 2]])).statusCode).toBe(200);
    const res = await flush({ authorization: `Bearer ${ADMIN}` });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { status: string; data: { durationMs: number; tenants: unknown[] } };
    expect(body.status).toBe('success');
    expect(body.data.tenants).toEqual([{ tenant: 'dev', blocksWritten: 1, blocksCompacted: 0, blocksDeleted: 0, samplesWritten: 2, seriesRemoved: 0 }]);
    const q = await server.app.inject({ method: 'GET', url: `/prometheus/api/v1/query?query=flushed[5m]&time=${NOW / 1000}`, headers: auth });
    expect(q.json()).toMatchObject({ data: { result: [{ values: [[(NOW - 120_000) / 1000, '1'], [(NOW - 60_000) / 1000, '2']] }] } });
  });

  it.each([
    { name: 'no token', headers: {}, status: 401 },
    { name: 'a tenant token', headers: () => ({ authorization: auth.authorization! }), status: 403 },
  ])('refuses $name', async ({ headers, status }) => {
    const res = await flush(typeof headers === 'function' ? headers() : headers);
    expect(res.statusCode).toBe(status);
  });

  it('answers 400 for an invalid tenant id', async () => {
    const res = await flush({ authorization: `Bearer ${ADMIN}` }, '?tenant=..%2Fetc');
    expect(res.statusCode).toBe(400);
  });

  it('flushes every tenant without a tenant parameter', async () => {
    const res = await flush({ authorization: `Bearer ${ADMIN}` }, '');
    expect(res.statusCode).toBe(200);
    expect((res.json() as { data: { tenants: { tenant: string }[] } }).data.tenants.map((t) => t.tenant)).toEqual(['dev']);
  });
});

describe('retention at ingest', () => {
  it('refuses samples older than the retention period with 400 naming the key', async () => {
    const res = await push([[NOW - 8 * 86_400_000, 1]]);
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/older than the tenant's retention period of 7d.*limits\.compactor_blocks_retention_period/);
  });
});
