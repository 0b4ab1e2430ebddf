// Proves crash safety of the log store: a `cairn serve` child is killed with SIGKILL at
// random moments while Loki pushes stream in and flushes run (chunk compression, block
// writes, compactions, WAL checkpoints), over and over on the same data dir; after the last
// restart every acknowledged line is found exactly once and no unfinished `.tmp` is left.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRawPush } from '../../src/ingest/loki/raw-push.js';
import { LogStore, defaultLogStoreOptions } from '../../src/logstore/logstore.js';
import { newMatcher } from '../../src/model/matcher.js';
import { ServeProcess, assertBuilt, cairn } from '../helpers/child.js';
import { lokiJsonBody, ns } from '../helpers/loki.js';
import { tempDir } from '../helpers/server.js';
import { mulberry32 } from '../../src/util/random.js';

const ROUNDS = 15;
const SENDERS = 3;
const STREAMS = 8;
const MAX_REQUESTS_PER_ROUND = 300;
const STRIDE = 10_000;
const BASE_T = Date.now() - 10 * 60_000;
const ADMIN = 'b'.repeat(40);


describe('kill -9 during log pushes and flushes', () => {
  it(`keeps every acknowledged line once over ${ROUNDS} crashes`, async () => {
    assertBuilt();
    const dir = tempDir();
    const token = cairn(['token', 'create', '--data-dir', dir, '--tenant', 'dev', '--scopes', 'write']).stdout.trim();
    const random = mulberry32(20261201);
    const acked: number[] = [];
    let flushes = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // Small chunks so that sealing and compression happen within a round.
      const server = new ServeProcess(['--data-dir', dir, '--host', '127.0.0.1', '--port', '0'], { CAIRN_ADMIN_TOKEN: ADMIN, CAIRN_INGESTER_CHUNK_BLOCK_SIZE: '4KB' });
      const port = await server.port();
      await server.waitFor(/"msg":"ready"/);
      let killed = false;
      const killAt = setTimeout(() => {
        killed = true;
        server.kill('SIGKILL');
      }, 50 + random() * 550);
      let next = round * STRIDE;
      const sender = async () => {
        while (!killed && next < round * STRIDE + MAX_REQUESTS_PER_ROUND) {
          const i = next++;
          const body = lokiJsonBody(Array.from({ length: STREAMS }, (_, s) => ({ labels: { job: 'crash', s: String(s) }, entries: [[ns(BASE_T + i), `line ${i} ${'p'.repeat(100)}`]] as [string, string][] })));
          try {
            const res = await fetch(`http://127.0.0.1:${port}/loki/api/v1/push`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-scope-orgid': 'dev', authorization: `Bearer ${token}` } });
            const text = await res.text();
            if (res.status === 204) acked.push(i);
            else throw new Error(`push ${i}: ${res.status} ${text}`);
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

    const last = new ServeProcess(['--data-dir', dir, '--host', '127.0.0.1', '--port', '0'], { CAIRN_ADMIN_TOKEN: ADMIN });
    await last.waitFor(/"msg":"ready"/);
    last.kill('SIGTERM');
    expect((await last.exited).code).toBe(0);
    const blocksDir = join(dir, 'tenants', 'dev', 'logs', 'blocks');
    expect(readdirSync(blocksDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const store = new LogStore({ ...defaultLogStoreOptions(dir), fsync: 'never', decodeRaw: decodeRawPush }, { forTenant: () => ({ maxGlobalStreamsPerUser: 0, retentionPeriodMs: 0 }) });
    await store.start();
    const q = store.logQuerier('dev', 0, Date.now() + 60_000);
    const set = q.select([newMatcher('=', 'job', 'crash')], { startMs: 0, startNs: 0, endMs: Date.now() + 60_000, endNs: 0, direction: 'forward' });
    const stored = new Map<string, number[]>();
    while (set.next()) {
      const s = set.at();
      const it = s.iterator();
      const got: number[] = [];
      while (it.next()) {
        const i = Number(/^line (\d+) /.exec(it.at().line)![1]);
        expect(it.at().tMs).toBe(BASE_T + i);
        got.push(i);
      }
      stored.set(s.labels.find((l) => l.name === 's')!.value, got);
    }
    q.close();
    const blocks = store.store('dev')?.blocks.all().length ?? 0;
    await store.stop();
    expect(flushes).toBeGreaterThan(0);
    expect(blocks).toBeGreaterThan(0);
    for (let s = 0; s < STREAMS; s++) {
      const got = stored.get(String(s)) ?? [];
      expect(new Set(got).size, `stream ${s} has a duplicate`).toBe(got.length);
      const have = new Set(got);
      expect(acked.filter((i) => !have.has(i)), `stream ${s}: acknowledged lines missing`).toEqual([]);
    }
    console.log(`logs crash test: ${ROUNDS} kills, ${acked.length} pushes acknowledged, ${flushes} flushes, ${blocks} blocks at the end; every acknowledged line found once`);
  }, 90_000);
});
