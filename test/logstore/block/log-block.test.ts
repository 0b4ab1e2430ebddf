// Proves that a written log block reads back exactly: streams by matchers in label order,
// chunks by time range (inclusive bounds) and by needle filters, label names and values,
// stats, lazy chunk bytes, and that bad paths and foreign files are refused.
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { newMatcher, type Matcher } from '../../../src/model/matcher.js';
import { LogBlockReader } from '../../../src/logstore/block/log-block-reader.js';
import { emptySelectCounters } from '../../../src/logstore/interface.js';
import { logBlockPath, logBlockTmpPath, writeLogBlock } from '../../../src/logstore/block/log-block-writer.js';
import { LOG_BLOCK_APPLICATION_ID } from '../../../src/logstore/block/log-block-sqlite.js';
import { chunkOf, entriesOf, entry, labels, plain, publish, useTempDir, type TestStream } from './fixtures.js';

const tempDir = useTempDir();
const T0 = 1_700_000_000_000;

const api = labels({ app: 'api', env: 'prod', job: 'shop/api' });
const web = labels({ app: 'web', env: 'prod', job: 'shop/web' });
const dev = labels({ app: 'api', env: 'dev', job: 'shop/api' });
const STREAMS: TestStream[] = [
  {
    labels: web,
    chunks: [
      [entry(T0, 0, 'GET / 200'), entry(T0 + 10, 0, 'GET /cart 200')],
      [entry(T0 + 1000, 0, 'GET /checkout 500 upstream timeout'), entry(T0 + 2000, 5, 'GET / 200')],
    ],
  },
  { labels: api, chunks: [[entry(T0 + 5, 1, 'order placed', { trace_id: 'abc123' }), entry(T0 + 5, 2, 'payment declined')]] },
  { labels: dev, chunks: [[entry(T0 + 3000, 0, 'debug: cache warm')]] },
];

function open(streams = STREAMS): LogBlockReader {
  const dir = tempDir();
  return LogBlockReader.open(publish(dir, 'A', streams).path);
}

const m = (type: Matcher['type'], name: string, value: string) => newMatcher(type, name, value);

describe('writeLogBlock / LogBlockReader', () => {
  it('records the meta', () => {
    const dir = tempDir();
    const { meta, path } = publish(dir, 'A', STREAMS);
    expect(meta).toEqual({ ulid: 'A', minTime: T0, maxTime: T0 + 3000, numStreams: 3, numChunks: 4, numEntries: 7, rawBytes: STREAMS.flatMap((s) => s.chunks.flat()).reduce((n, e) => n + Buffer.byteLength(e.line), 0), level: 1, sources: ['A'], parents: [], version: 1 });
    const r = LogBlockReader.open(path);
    expect(r.meta).toEqual(meta);
    r.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('application_id', { simple: true })).toBe(LOG_BLOCK_APPLICATION_ID);
    expect(db.pragma('page_size', { simple: true })).toBe(4096);
    db.close();
  });

  it.each([
    { name: 'no matchers: every stream', matchers: [], expected: [dev, api, web] },
    { name: '= matcher', matchers: [m('=', 'app', 'api')], expected: [dev, api] },
    { name: '= and !=', matchers: [m('=', 'app', 'api'), m('!=', 'env', 'dev')], expected: [api] },
    { name: 'regex', matchers: [m('=~', 'job', 'shop/.*'), m('=~', 'env', 'prod|dev')], expected: [dev, api, web] },
    { name: 'negative regex', matchers: [m('!~', 'app', 'a.*')], expected: [web] },
    { name: 'absent label matches empty', matchers: [m('=', 'missing', '')], expected: [dev, api, web] },
    { name: 'unknown value', matchers: [m('=', 'app', 'nope')], expected: [] },
    { name: 'unknown name', matchers: [m('=~', 'missing', '.+')], expected: [] },
  ])('select: $name', ({ matchers, expected }) => {
    const r = open();
    expect(r.select(matchers, -Infinity, Infinity).map((s) => s.labels)).toEqual(expected);
    expect(r.streams(matchers, -Infinity, Infinity)).toEqual(expected);
    r.close();
  });

  it('returns only chunks overlapping [mint, maxt], inclusive', () => {
    const r = open();
    const sel = (mint: number, maxt: number) => r.select([m('=', 'app', 'web')], mint, maxt).flatMap((s) => s.chunks.map((c) => [c.minTMs, c.maxTMs]));
    expect(sel(T0, T0 + 2000)).toEqual([[T0, T0 + 10], [T0 + 1000, T0 + 2000]]);
    expect(sel(T0 + 10, T0 + 10)).toEqual([[T0, T0 + 10]]);
    expect(sel(T0 + 11, T0 + 999)).toEqual([]);
    expect(sel(T0 + 2000, Infinity)).toEqual([[T0 + 1000, T0 + 2000]]);
    expect(sel(T0 + 5, T0 + 1)).toEqual([]);
    expect(r.streams([], T0 + 2500, T0 + 3500)).toEqual([dev]);
    r.close();
  });

  it('selectStreams lists a stream\'s chunks only when asked, as select would', () => {
    const r = open();
    const counters = emptySelectCounters();
    const lazy = r.selectStreams([], T0 + 11, T0 + 2000, undefined, counters);
    expect(counters.chunksRef).toBe(0);
    // A stream whose range overlaps but none of whose chunks do: listed, with no chunks.
    const eager = r.select([], T0 + 11, T0 + 2000);
    expect(lazy.map((s) => s.chunks()).filter((cs) => cs.length > 0).map((cs) => cs.map((c) => [c.minTMs, c.maxTMs]))).toEqual(eager.map((s) => s.chunks.map((c) => [c.minTMs, c.maxTMs])));
    expect(counters.chunksRef).toBe(eager.reduce((n, s) => n + s.chunks.length, 0));
    r.close();
  });

  it('reads chunk bytes back exactly, lazily', () => {
    const r = open();
    const [s] = r.select([m('=', 'app', 'api'), m('=', 'env', 'prod')], -Infinity, Infinity);
    expect(plain(entriesOf(s!.chunks))).toEqual(plain(STREAMS[1]!.chunks[0]!));
    const [w] = r.select([m('=', 'app', 'web')], -Infinity, Infinity);
    r.close();
    expect(() => w!.chunks[0]!.data).toThrow(/closed before chunk/);
    expect(s!.chunks[0]!.data.length).toBeGreaterThan(0); // read before close: kept
  });

  it('skips chunks whose filter proves a needle absent', () => {
    const r = open();
    const lines = (needles: string[]) => r.select([m('=', 'app', 'web')], -Infinity, Infinity, needles).flatMap((s) => entriesOf(s.chunks).map((e) => e.line));
    expect(lines(['timeout'])).toEqual(['GET /checkout 500 upstream timeout', 'GET / 200']);
    expect(lines(['cart'])).toEqual(['GET / 200', 'GET /cart 200']);
    expect(lines(['GET', 'zzzzz'])).toEqual([]);
    expect(lines([])).toHaveLength(4);
    expect(r.select([], -Infinity, Infinity, ['declined']).map((s) => s.labels)).toEqual([api]);
    r.close();
  });

  it('answers label names and values, with and without matchers', () => {
    const r = open();
    expect(r.labelNames()).toEqual(['app', 'env', 'job']);
    expect(r.labelValues('app')).toEqual(['api', 'web']);
    expect(r.labelValues('env', [m('=', 'app', 'api')])).toEqual(['dev', 'prod']);
    expect(r.labelNames([m('=', 'app', 'nope')])).toEqual([]);
    expect(r.labelValues('missing')).toEqual([]);
    r.close();
  });

  it('sums stats over overlapping chunks of matching streams', () => {
    const r = open();
    expect(r.stats([], -Infinity, Infinity)).toEqual({ streams: 3, chunks: 4, entries: 7, bytes: r.meta.rawBytes });
    expect(r.stats([m('=', 'app', 'web')], T0 + 500, T0 + 1500)).toEqual({ streams: 1, chunks: 1, entries: 2, bytes: Buffer.byteLength('GET /checkout 500 upstream timeoutGET / 200') });
    expect(r.stats([m('=', 'app', 'web')], T0 + 11, T0 + 999)).toEqual({ streams: 0, chunks: 0, entries: 0, bytes: 0 });
    r.close();
  });

  it('walks every stream with chunk refs, in label order, across pages', () => {
    const many: TestStream[] = Array.from({ length: 600 }, (_, i) => ({ labels: labels({ app: 'a', pod: `p-${String(i).padStart(4, '0')}` }), chunks: [[entry(T0 + i, 0, `line ${i}`)]] }));
    const r = open(many);
    const walked = [...r.streamRefs()];
    expect(walked.map((s) => s.labels)).toEqual(many.map((s) => s.labels));
    expect(walked[599]!.chunks).toEqual([expect.objectContaining({ minTMs: T0 + 599, maxTMs: T0 + 599, entries: 1 })]);
    expect(r.select([m('=~', 'pod', 'p-05.*')], -Infinity, Infinity)).toHaveLength(100);
    r.close();
  });

  it('asserts label and chunk order, skips empty streams, refuses an empty block', () => {
    const dir = tempDir();
    const c = chunkOf([entry(T0, 0, 'x')]);
    const write = (streams: { labels: typeof api; chunks: (typeof c)[] }[]) => writeLogBlock({ dir, ulid: 'W', streams, level: 1, sources: ['W'], parents: [] });
    expect(() => write([{ labels: web, chunks: [c] }, { labels: api, chunks: [c] }])).toThrow(/BUG: .*label order/);
    expect(() => write([{ labels: api, chunks: [chunkOf([entry(T0 + 5, 0, 'y')]), c] }])).toThrow(/BUG: .*sorted by minTMs/);
    expect(() => write([{ labels: api, chunks: [] }])).toThrow(expect.objectContaining({ reason: 'empty_block' }));
    expect(existsSync(logBlockTmpPath(dir, 'W'))).toBe(false);
    expect(write([{ labels: api, chunks: [] }, { labels: web, chunks: [c] }]).numStreams).toBe(1);
  });

  it('refuses tmp paths, missing files and foreign SQLite files', () => {
    const dir = tempDir();
    const { path } = publish(dir, 'A', STREAMS);
    expect(() => LogBlockReader.open(join(dir, 'A.tmp'))).toThrow(expect.objectContaining({ reason: 'invalid_block_path' }));
    copyFileSync(path, logBlockTmpPath(dir, 'B'));
    expect(() => LogBlockReader.open(logBlockPath(dir, 'B'))).toThrow(/only the unfinished .*B\.tmp exists/);
    const foreign = logBlockPath(dir, 'F');
    new Database(foreign).exec('CREATE TABLE t (x)');
    expect(() => LogBlockReader.open(foreign)).toThrow(expect.objectContaining({ reason: 'corrupt_block' }));
    writeFileSync(logBlockPath(dir, 'G'), 'not sqlite');
    expect(() => LogBlockReader.open(logBlockPath(dir, 'G'))).toThrow();
  });
});
