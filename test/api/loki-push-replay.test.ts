// Pins the WAL's kept request bodies: after a restart, the log store holds exactly what was
// stored live — for protobuf, JSON and legacy bodies, with streams and entries refused by
// validation, by the ingester (too far behind, duplicates) and by the stream limit left out.
import { afterAll, describe, expect, it } from 'vitest';
import { formatNs } from '../../src/logstore/entry.js';
import { newMatcher } from '../../src/model/matcher.js';
import type { CairnServer } from '../../src/server.js';
import { ManualClock } from '../../src/util/clock.js';
import { lokiJsonBody, lokiProtoBody, ns } from '../helpers/loki.js';
import { cleanupTempDirs, tempDir, testServer } from '../helpers/server.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
afterAll(() => cleanupTempDirs());

function dump(server: CairnServer): string[] {
  const q = server.logs.logQuerier('dev', 0, NOW + 3_600_000);
  const set = q.select([newMatcher('=~', 'job', '.+')], { startMs: 0, startNs: 0, endMs: NOW + 3_600_000, endNs: 0, direction: 'forward' });
  const out: string[] = [];
  while (set.next()) {
    const s = set.at();
    const it = s.iterator();
    while (it.next()) out.push(`${s.labels.map((l) => `${l.name}=${l.value}`).join(',')} ${formatNs(it.at().tMs, it.at().tNs)} ${it.at().line} ${JSON.stringify(it.at().metadata)}`);
  }
  q.close();
  return out;
}

describe('log WAL replay of kept request bodies', () => {
  it('restores exactly what was stored, refused entries and streams left out', async () => {
    const dir = tempDir();
    const config = { data_dir: dir, 'limits.max_line_size': 100, 'limits.max_global_streams_per_user': 4 };
    const server = testServer(config, new ManualClock(NOW));
    await server.services.startAll();
    const token = server.tokens.create({ tenant: 'dev', scopes: 'write' }).token;
    const headers = { 'x-scope-orgid': 'dev', authorization: `Bearer ${token}` };
    const send = (payload: string | Buffer, contentType: string, url = '/loki/api/v1/push') => server.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': contentType }, payload });
    const statuses = [
      // protobuf: a valid stream, a line too long, a duplicate of the newest, a repeated stream text
      (
        await send(
          lokiProtoBody([
            { labels: { job: 'a' }, entries: [[ns(NOW - 5000), 'a1'], [ns(NOW - 4000), 'x'.repeat(101)], [ns(NOW - 3000), 'a2', { k: 'v' }], [ns(NOW - 3000), 'a2', { k: 'v' }]] },
            { labels: '{job="a"}', entries: [[ns(NOW - 2000), 'a3']] },
            { labels: '{job=broken}', entries: [[ns(NOW), 'never']] },
          ]),
          'application/x-protobuf',
        )
      ).statusCode,
      // JSON: too far behind in one stream, out of order within the window in another
      (await send(lokiJsonBody([{ labels: { job: 'a' }, entries: [[ns(NOW - 2 * 3_600_000), 'behind'], [ns(NOW - 1000), 'a4']] }, { labels: { job: 'b' }, entries: [[ns(NOW - 10), 'b2'], [ns(NOW - 20), 'b1']] }]), 'application/json')).statusCode,
      // legacy JSON
      (await send(JSON.stringify({ streams: [{ labels: '{job="c"}', entries: [{ ts: new Date(NOW - 100).toISOString(), line: 'c1' }] }] }), 'application/json', '/api/prom/push')).statusCode,
      // over the stream limit (4): d fits, e and f do not
      (await send(lokiJsonBody([{ labels: { job: 'd' }, entries: [[ns(NOW), 'd1']] }, { labels: { job: 'e' }, entries: [[ns(NOW), 'e1']] }, { labels: { job: 'f' }, entries: [[ns(NOW), 'f1']] }]), 'application/json')).statusCode,
    ];
    expect(statuses).toEqual([400, 400, 204, 429]);
    const live = dump(server);
    expect(live.map((l) => l.split(' ')[2])).toEqual(['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'c1', 'd1']);
    await server.stop();

    const again = testServer(config, new ManualClock(NOW));
    await again.services.startAll();
    expect(dump(again)).toEqual(live);
    await again.stop();
  });
});
