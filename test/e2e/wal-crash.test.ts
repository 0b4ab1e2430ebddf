// Proves durability: a `cairn serve` child killed with SIGKILL in the middle of a push
// stream restarts cleanly, and every sample it acknowledged is stored exactly once.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { labelsToObject } from '../../src/model/labels.js';
import { newMatcher } from '../../src/model/matcher.js';
import { Tsdb, defaultTsdbOptions } from '../../src/tsdb/tsdb.js';
import { ServeProcess, assertBuilt, cairn } from '../helpers/child.js';
import { writeRequestBody } from '../helpers/remote-write.js';
import { tempDir } from '../helpers/server.js';

/** Concurrent senders, as Prometheus's remote-write shards. */
const SENDERS = 4;
/** Kill once this many requests were acknowledged... */
const KILL_AFTER_ACKS = 120;
/** ...and never send more than this, so the loop ends whatever happens. */
const MAX_REQUESTS = 3000;
const SERIES_PER_REQUEST = 25;
const BASE_T = Date.now() - 60_000;

describe('kill -9 during ingestion', () => {
  it('keeps every acknowledged sample, once', async () => {
    assertBuilt();
    const dir = tempDir();
    const token = cairn(['token', 'create', '--data-dir', dir, '--tenant', 'dev', '--scopes', 'write']).stdout.trim();
    const server = new ServeProcess(['--data-dir', dir, '--host', '127.0.0.1', '--port', '0'], { CAIRN_ADMIN_TOKEN: 'x'.repeat(40) });
    const port = await server.port();
    await server.waitFor(/"msg":"ready"/);

    // Request i writes sample (BASE_T + i, i) to series {__name__="crash", shard=i mod SENDERS, s=0..24}.
    const acked: number[] = [];
    let next = 0;
    let killed = false;
    const sender = async (shard: number) => {
      for (let i = shard; i < MAX_REQUESTS && !killed; i += SENDERS) {
        next++;
        const body = writeRequestBody(
          Array.from({ length: SERIES_PER_REQUEST }, (_, s) => ({ labels: { __name__: 'crash', shard: String(shard), s: String(s) }, samples: [[BASE_T + i, i] as [number, number]] })),
        );
        try {
          const res = await fetch(`http://127.0.0.1:${port}/api/v1/push`, { method: 'POST', body, headers: { 'x-scope-orgid': 'dev', authorization: `Bearer ${token}` } });
          if (res.status !== 200) throw new Error(`push ${i}: ${res.status} ${await res.text()}`);
          acked.push(i);
          if (acked.length === KILL_AFTER_ACKS && !killed) {
            killed = true;
            server.kill('SIGKILL');
          }
        } catch (err) {
          if (!killed) throw err;
          return; // the connection died with the server: not acknowledged
        }
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, (_, s) => sender(s)));
    expect((await server.exited).signal).toBe('SIGKILL');
    expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);

    // The server restarts on the damaged dir and becomes ready.
    const again = new ServeProcess(['--data-dir', dir, '--host', '127.0.0.1', '--port', '0'], { CAIRN_ADMIN_TOKEN: 'x'.repeat(40) });
    await again.waitFor(/"msg":"ready"/);
    again.kill('SIGTERM');
    expect((await again.exited).code).toBe(0);

    // Read the store as the server would, from the same data dir.
    const tsdb = new Tsdb(defaultTsdbOptions(dir), { forTenant: () => loadConfig({}).limits });
    await tsdb.start();
    const set = tsdb.querier('dev', -Infinity, Infinity).select([newMatcher('=', '__name__', 'crash')]);
    const stored = new Map<string, number[]>();
    while (set.next()) {
      const it = set.at().iterator();
      const ts: number[] = [];
      while (it.next()) {
        expect(it.v).toBe(it.t - BASE_T); // the value each request wrote
        ts.push(it.t - BASE_T);
      }
      stored.set(JSON.stringify(labelsToObject(set.at().labels)), ts);
    }
    await tsdb.stop();
    for (const i of acked) {
      for (let s = 0; s < SERIES_PER_REQUEST; s++) {
        const ts = stored.get(JSON.stringify({ __name__: 'crash', s: String(s), shard: String(i % SENDERS) }));
        expect(ts, `request ${i}, series ${s}`).toBeDefined();
        expect(ts!.filter((x) => x === i)).toHaveLength(1);
      }
    }
    for (const ts of stored.values()) expect(new Set(ts).size).toBe(ts.length);
    console.log(`kill -9 test: ${acked.length} acknowledged of ${next} sent; all ${acked.length * SERIES_PER_REQUEST} acknowledged samples found once`);
  });
});
