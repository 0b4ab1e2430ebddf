// Proves that protobuf push lines travel as bytes through the real push route: stored
// exactly as sent (invalid UTF-8 included, read back with U+FFFD), the same after a WAL
// replay of the kept body, counted in raw bytes for max_line_size, and deduplicated by
// comparing bytes (as Loki compares Go strings), also against a JSON push's line.
import { afterAll, describe, expect, it } from 'vitest';
import { snappyCompress } from '../../src/ingest/remote-write/snappy.js';
import { formatNs } from '../../src/logstore/entry.js';
import { labelsFromObject } from '../../src/model/labels.js';
import { newMatcher } from '../../src/model/matcher.js';
import type { CairnServer } from '../../src/server.js';
import { ManualClock } from '../../src/util/clock.js';
import { lokiJsonBody, ns } from '../helpers/loki.js';
import { cleanupTempDirs, tempDir, testServer } from '../helpers/server.js';
import { body, fLen, pEntry, pLabels, pStream, pTs } from './loki/helpers.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const STREAM = '{job="a"}';
afterAll(() => cleanupTempDirs());

/** A protobuf push of one stream, each entry (ms, line bytes), snappy-compressed. */
function protoPush(entries: [number, number[]][]): Buffer {
  const es = entries.map(([ms, line]) => pEntry(pTs(Math.floor(ms / 1000), (ms % 1000) * 1e6), fLen(2, line)));
  return Buffer.from(snappyCompress(body(pStream(pLabels(STREAM), ...es))));
}

const bytes = (s: string): number[] => [...Buffer.from(s, 'latin1')];

async function start(dir: string, config: Record<string, unknown> = {}): Promise<{ server: CairnServer; send: (payload: Buffer | string, json?: boolean) => Promise<number> }> {
  const server = testServer({ data_dir: dir, ...config }, new ManualClock(NOW));
  await server.services.startAll();
  const token = server.tokens.create({ tenant: 'dev', scopes: 'write' }).token;
  const send = async (payload: Buffer | string, json = false) =>
    (
      await server.app.inject({
        method: 'POST',
        url: '/loki/api/v1/push',
        headers: { 'x-scope-orgid': 'dev', authorization: `Bearer ${token}`, 'content-type': json ? 'application/json' : 'application/x-protobuf' },
        payload,
      })
    ).statusCode;
  return { server, send };
}

/** The open buffer's lines as stored (hex), in arrival order. */
function storedHex(server: CairnServer): string[] {
  const s = server.logs.store('dev')!.head.byLabels(labelsFromObject({ job: 'a', service_name: 'a' }))!;
  return s.open.byteEntries().map((e) => e.buf.subarray(e.start, e.end).toString('hex'));
}

/** What a query reads: `ns line` per entry. */
function read(server: CairnServer): string[] {
  const q = server.logs.logQuerier('dev', 0, NOW + 3_600_000);
  const set = q.select([newMatcher('=', 'job', 'a')], { startMs: 0, startNs: 0, endMs: NOW + 3_600_000, endNs: 0, direction: 'forward' });
  const out: string[] = [];
  while (set.next()) {
    const it = set.at().iterator();
    while (it.next()) out.push(`${formatNs(it.at().tMs, it.at().tNs)} ${it.at().line}`);
  }
  q.close();
  return out;
}

describe('protobuf push lines as bytes', () => {
  it('stores invalid UTF-8 as sent, the same after a WAL replay, and reads it with U+FFFD', async () => {
    const dir = tempDir();
    const live = await start(dir);
    const lines = [bytes('a\xffb'), bytes('\xc3'), [...Buffer.from('日本 ok')]];
    expect(await live.send(protoPush(lines.map((l, i) => [NOW - 1000 + i, l])))).toBe(204);
    const want = lines.map((l) => Buffer.from(l).toString('hex'));
    expect(storedHex(live.server)).toEqual(want);
    expect(read(live.server)).toEqual([`${formatNs(NOW - 1000, 0)} a\ufffdb`, `${formatNs(NOW - 999, 0)} \ufffd`, `${formatNs(NOW - 998, 0)} 日本 ok`]);
    await live.server.stop();

    const again = await start(dir);
    expect(storedHex(again.server)).toEqual(want);
    await again.server.stop();
  });

  it.each([
    { name: '100 bytes that are not UTF-8 fit a 100-byte limit', line: new Array<number>(100).fill(0xff), status: 204 },
    { name: '101 bytes do not', line: new Array<number>(101).fill(0xff), status: 400 },
    { name: '33 three-byte characters (99 bytes) fit', line: [...Buffer.from('日'.repeat(33))], status: 204 },
  ])('max_line_size counts raw bytes: $name', async ({ line, status }) => {
    const { server, send } = await start(tempDir(), { 'limits.max_line_size': 100 });
    expect(await send(protoPush([[NOW, line]]))).toBe(status);
    await server.stop();
  });

  it.each([
    { name: 'the same bytes in one request', pushes: [[bytes('a\xff'), bytes('a\xff')]], stored: ['61ff'] },
    { name: 'the same bytes in a later request', pushes: [[bytes('a\xff')], [bytes('a\xff')]], stored: ['61ff'] },
    { name: 'bytes that read alike (U+FFFD) but differ', pushes: [[bytes('a\xff')], [bytes('a\xfe')]], stored: ['61ff', '61fe'] },
    { name: 'a JSON line with the same UTF-8 bytes', pushes: [[[...Buffer.from('é!')]], 'é!'], stored: ['c3a921'] },
    { name: 'a JSON line after it, with other bytes', pushes: [[bytes('a\xff')], 'a\ufffd'], stored: ['61ff', '61efbfbd'] },
  ])('drops a duplicate of the newest entry by its bytes: $name', async ({ pushes, stored }) => {
    const { server, send } = await start(tempDir());
    for (const p of pushes) {
      const payload = typeof p === 'string' ? lokiJsonBody([{ labels: { job: 'a' }, entries: [[ns(NOW), p]] }]) : protoPush(p.map((l) => [NOW, l]));
      expect(await send(payload, typeof p === 'string')).toBe(204);
    }
    expect(storedHex(server)).toEqual(stored);
    await server.stop();
  });
});
