// Proves that log-worker.ts runs under a real piscina pool (TypeScript loaded through tsx,
// via createLogWorkerPool): compress jobs return filtered, compressed chunks with their
// buffers transferred back, write jobs sort the head's streams and chunks, compaction
// jobs produce readable blocks, and the test-only faults reject the task.
import { renameSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeEntries } from '../../../src/logstore/chunk/chunk-format.js';
import { CODEC_IDS } from '../../../src/logstore/chunk/codec.js';
import { createLogWorkerPool } from '../../../src/logstore/block/log-jobs.js';
import { LogBlockReader } from '../../../src/logstore/block/log-block-reader.js';
import { logBlockPath, logBlockTmpPath } from '../../../src/logstore/block/log-block-writer.js';
import { entriesOf, entry, labels, plain, useTempDir } from './fixtures.js';

const tempDir = useTempDir();
const pool = createLogWorkerPool({ threads: 1 });
afterAll(() => pool.close());
const T0 = 1_700_000_000_000;

describe('log worker under piscina', () => {
  it('compresses, writes and compacts', async () => {
    const dir = tempDir();
    const early = [entry(T0, 1, 'GET /a 200'), entry(T0 + 1, 2, 'GET /b 500 timeout')];
    const late = [entry(T0 + 100, 0, 'GET /c 200', { trace_id: 'x1' })];
    const raws = [encodeEntries(late), encodeEntries(early)];
    const compressed = await pool.run({ kind: 'compress', chunks: raws });
    expect(raws[0]!.byteLength).toBeGreaterThan(0); // copied, not transferred, by default
    expect(compressed).toHaveLength(2);
    expect(compressed[1]).toMatchObject({ codec: CODEC_IDS.zstd, minTMs: T0, maxTMs: T0 + 1, entries: 2, rawBytes: Buffer.byteLength('GET /a 200GET /b 500 timeout') });
    expect(compressed[1]!.filter).toBeInstanceOf(Uint8Array);

    const raw3 = encodeEntries([entry(T0 + 50, 0, 'other stream')]);
    const [other] = await pool.run({ kind: 'compress', chunks: [raw3], codec: 'gzip' }, { transferInputs: true });
    expect(raw3.byteLength).toBe(0); // transferred
    expect(other!.codec).toBe(CODEC_IDS.gzip);

    // Streams and chunks in head order (not sorted): the job sorts them.
    const web = labels({ app: 'web' });
    const api = labels({ app: 'api' });
    const metaA = await pool.run({ kind: 'write', dir, ulid: 'A', level: 1, streams: [{ labels: web, chunks: [compressed[0]!, compressed[1]!] }, { labels: api, chunks: [other!] }] });
    expect(metaA).toMatchObject({ ulid: 'A', numStreams: 2, numChunks: 3, numEntries: 4, level: 1, sources: ['A'], parents: [] });
    renameSync(logBlockTmpPath(dir, 'A'), logBlockPath(dir, 'A'));
    const metaB = await pool.run({ kind: 'write', dir, ulid: 'B', level: 1, streams: [{ labels: web, chunks: [compressed[1]!] }] });
    renameSync(logBlockTmpPath(dir, 'B'), logBlockPath(dir, 'B'));
    expect(metaB.numEntries).toBe(2);

    const metaC = await pool.run({ kind: 'compact', dir, ulid: 'C', sources: [logBlockPath(dir, 'A'), logBlockPath(dir, 'B')] });
    expect(metaC).toMatchObject({ numStreams: 2, numEntries: 4, level: 2, sources: ['A', 'B'], parents: ['A', 'B'] });
    renameSync(logBlockTmpPath(dir, 'C'), logBlockPath(dir, 'C'));
    const r = LogBlockReader.open(logBlockPath(dir, 'C'));
    const [apiS, webS] = r.select([], -Infinity, Infinity);
    expect(apiS!.labels).toEqual(api);
    expect(plain(entriesOf(webS!.chunks))).toEqual(plain([...early, ...late]));
    r.close();
  });

  it.each([
    { fault: 'throw' as const, error: /injected fault in log compress job/ },
    { fault: 'exit' as const, error: /exit/i },
  ])('rejects the task on fault $fault', async ({ fault, error }) => {
    const raw = encodeEntries([entry(T0, 0, 'x')]);
    await expect(pool.run({ kind: 'compress', chunks: [raw], fault })).rejects.toThrow(error);
    expect(raw.byteLength).toBeGreaterThan(0); // still there for a retry
    // The pool recovers.
    expect(await pool.run({ kind: 'compress', chunks: [raw] })).toHaveLength(1);
  });
});
