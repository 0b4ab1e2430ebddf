// Proves crash safety of the head → blocks path: a `cairn serve` child is killed with
// SIGKILL at random moments while it ingests and flushes (block writes, compactions, WAL
// checkpoints), over and over on the same data dir; after the last restart every
// acknowledged sample is stored exactly once and no unfinished `.tmp` block is left.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { labelsToObject } from '../../src/model/labels.js';
import { newMatcher } from '../../src/model/matcher.js';
import { Tsdb, defaultTsdbOptions } from '../../src/tsdb/tsdb.js';
import { ServeProcess, assertBuilt, cairn } from '../helpers/child.js';
import { writeRequestBody } from '../helpers/remote-write.js';
import { tempDir } from '../helpers/server.js';
import { mulberry32 } from '../../src/util/random.js';

const ROUNDS = 20;
const SENDERS = 3;
const SERIES_PER_REQUEST = 20;
/** Requests per round at most, so a round ends even if the kill never lands. */
const MAX_REQUESTS_PER_ROUND = 400;
/** Requests of a round are numbered from round * STRIDE: timestamps only grow. */
const STRIDE = 10_000;
const BASE_T = Date.now() - 10 * 60_000;
const ADMIN = 'a'.repeat(40);


describe('kill -9 during ingestion and compaction', () => {
  it(`keeps every acknowledged sample once over ${ROUNDS} crashes`, async () => {
    assertBuilt();
    const dir = tempDir();
    const token = cairn(['token', 'create', '--data-dir', dir, '--tenant', 'dev', '--scopes', 'write']).stdout.trim();
    const random = mulberry32(20261130);
    const acked: number[] = [];
    let flushes = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const server = new ServeProcess(['--data-dir', dir, '--host', '127.0.0.1', '--port', '0'], { CAIRN_ADMIN_TOKEN: ADMIN });
      const port = await server.port();
      await server.waitFor(/"msg":"ready"/);
      let killed = false;
      // Kill somewhere in the first 600 ms of traffic: during pushes, flushes, checkpoints.
      const killAt = setTimeout(() => {
        killed = true;
        server.kill('SIGKILL');
      }, 50 + random() * 550);
      let next = round * STRIDE;
      const sender = async () => {
        while (!killed && next < round * STRIDE + MAX_REQUESTS_PER_ROUND) {
          const i = next++;
          const body = writeRequestBody(
            Array.from({ length: SERIES_PER_REQUEST }, (_, s) => ({ labels: { __name__: 'crash', s: String(s) }, samples: [[BASE_T + i, i] as [number, number]] })),
          );
          try {
            const res = await fetch(`http://127.0.0.1:${port}/api/v1/push`, { method: 'POST', body, headers: { 'x-scope-orgid': 'dev', authorization: `Bearer ${token}` } });
            const text = await res.text();
            if (res.status === 200) acked.push(i);
            // Senders race on the same series (out of order), or a flush raised the floor past it.
            else if (!(res.status === 400 && /too old|out-of-order/.test(text))) throw new Error(`push ${i}: ${res.status} ${text}`);
          } catch (err) {
            if (!killed) throw err;
          }
        }
      };
      const flusher = async () => {
        while (!killed) {
          try {
            const res = await fetch(`http://127.0.0.1:${port}/admin/api/v1/flush?tenant=dev`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
            if (res.status === 200) flushes++;
            else throw new Error(`flush: ${res.status} ${await res.text()}`);
          } catch (err) {
            if (!killed) throw err;
          }
        }
      };
      await Promise.all([...Array.from({ length: SENDERS }, () => sender()), flusher()]);
      clearTimeout(killAt);
      if (!killed) server.kill('SIGKILL');
      await server.exited;
    }

    // A clean start on the crashed dir removes leftovers and is ready.
    const last = new ServeProcess(['--data-dir', dir, '--host', '127.0.0.1', '--port', '0'], { CAIRN_ADMIN_TOKEN: ADMIN });
    await last.waitFor(/"msg":"ready"/);
    last.kill('SIGTERM');
    expect((await last.exited).code).toBe(0);
    const blocksDir = join(dir, 'tenants', 'dev', 'tsdb', 'blocks');
    expect(readdirSync(blocksDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const tsdb = new Tsdb(defaultTsdbOptions(dir), { forTenant: () => ({ ...loadConfig({}).limits, compactorBlocksRetentionPeriodMs: 0 }) });
    await tsdb.start();
    const q = tsdb.querier('dev', -Infinity, Infinity);
    const set = q.select([newMatcher('=', '__name__', 'crash')]);
    const stored = new Map<string, number[]>();
    while (set.next()) {
      const it = set.at().iterator();
      const ts: number[] = [];
      while (it.next()) {
        expect(it.v).toBe(it.t - BASE_T);
        ts.push(it.t - BASE_T);
      }
      stored.set(labelsToObject(set.at().labels).s!, ts);
    }
    q.close();
    const blocks = tsdb.store('dev')?.blocks.all().length ?? 0;
    await tsdb.stop();
    expect(flushes).toBeGreaterThan(0);
    expect(blocks).toBeGreaterThan(0);
    for (let s = 0; s < SERIES_PER_REQUEST; s++) {
      const ts = stored.get(String(s)) ?? [];
      expect(new Set(ts).size, `series ${s} has a duplicate`).toBe(ts.length);
      const have = new Set(ts);
      const missing = acked.filter((i) => !have.has(i));
      expect(missing, `series ${s}: acknowledged samples missing`).toEqual([]);
    }
    console.log(`compaction crash test: ${ROUNDS} kills, ${acked.length} requests acknowledged, ${flushes} flushes, ${blocks} blocks at the end; every acknowledged sample found once`);
  }, 90_000);
});
