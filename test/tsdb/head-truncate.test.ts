// Proves the head's side of moving data to blocks: truncation drops exactly the chunks that
// end before the boundary and the series left empty (postings, limits and exemplars follow),
// the floor refuses older samples, and a checkpoint replays to the same head.
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/config.js';
import { labelsFromObject, type Labels } from '../../src/model/labels.js';
import { newMatcher } from '../../src/model/matcher.js';
import { Head } from '../../src/tsdb/head.js';
import { AppendStatus, HeadAppender, type WalSink } from '../../src/tsdb/head-append.js';
import { HeadQuerier } from '../../src/tsdb/head-read.js';
import { checkpointRecords, emptyReplayStats, replayRecord } from '../../src/tsdb/head-wal.js';

const HOUR = 3_600_000;
const sink: WalSink = { append() {}, async waitDurable() {} };
const limits = () => ({ ...defaultConfig().limits, maxGlobalSeriesPerUser: 0, maxGlobalSeriesPerMetric: 0 });

/** Series `name` with a sample every 15 s over [from, to). */
async function fill(head: Head, name: string, from: number, to: number): Promise<Labels> {
  const ls = labelsFromObject({ __name__: name, job: 'j' });
  const app = new HeadAppender(head, sink);
  for (let t = from; t < to; t += 15_000) app.append(0, ls, t, t / 1000);
  await app.commit();
  return ls;
}

function samples(head: Head, name: string, mint = -Infinity): number[] {
  const set = new HeadQuerier(head, mint, Infinity).select([newMatcher('=', '__name__', name)]);
  const out: number[] = [];
  while (set.next()) {
    const it = set.at().iterator();
    while (it.next()) out.push(it.t);
  }
  return out;
}

describe('head truncation', () => {
  it('drops whole chunks ending before the boundary and series with nothing left', async () => {
    const head = new Head('t', limits);
    await fill(head, 'old', 0, 1 * HOUR); // ends before 2 h: leaves
    await fill(head, 'long', 0, 5 * HOUR); // spans the boundary: keeps its chunks from 2 h on
    const before = samples(head, 'long').length + samples(head, 'old').length;
    const removed = await head.truncate(2 * HOUR);
    expect(removed.series).toBe(1);
    expect(head.series.size).toBe(1);
    expect(samples(head, 'old')).toEqual([]);
    const kept = samples(head, 'long');
    expect(kept[0]).toBe(2 * HOUR);
    expect(before - kept.length).toBe(removed.samples);
    expect(head.minT).toBe(2 * HOUR);
    expect(head.postings.get('__name__')?.has('old')).toBe(false);
    expect(head.postings.get('job')?.get('j')).toHaveLength(1);
    // The series can come back, under a new ref, and counts once.
    await fill(head, 'old', 5 * HOUR, 5 * HOUR + 60_000);
    expect(head.series.size).toBe(2);
  });

  it('lists label names and values as series come and go (the sorted lists are cached between)', async () => {
    const head = new Head('t', limits);
    const q = () => new HeadQuerier(head, -Infinity, Infinity);
    await fill(head, 'b', 0, 1 * HOUR);
    expect(q().labelValues('__name__')).toEqual(['b']);
    expect(q().labelNames()).toEqual(['__name__', 'job']);
    expect(q().labelValues('__name__')).toBe(q().labelValues('__name__'));
    await fill(head, 'a', 0, 3 * HOUR); // a new value
    expect(q().labelValues('__name__')).toEqual(['a', 'b']);
    const app = new HeadAppender(head, sink);
    app.append(0, labelsFromObject({ __name__: 'c', zone: 'z' }), 5 * HOUR, 1); // a new name
    await app.commit();
    expect(q().labelNames()).toEqual(['__name__', 'job', 'zone']);
    expect(q().labelValues('zone')).toEqual(['z']);
    expect(q().labelValues('__name__')).toEqual(['a', 'b', 'c']);
    expect(q().labelValues('nope')).toEqual([]);
    await head.truncate(2 * HOUR); // 'b' leaves
    expect(q().labelValues('__name__')).toEqual(['a', 'c']);
    expect(q().labelValues('job')).toEqual(['j']);
    await head.truncate(4 * HOUR); // 'a' leaves, and 'job' with it
    expect(q().labelNames()).toEqual(['__name__', 'zone']);
  });

  it('drops an open chunk that ended before the boundary; the next sample starts a new one', async () => {
    const head = new Head('t', limits);
    const ls = await fill(head, 'm', 0, 10 * 60_000);
    await head.truncate(HOUR);
    expect(head.series.size).toBe(0);
    await fill(head, 'm', HOUR, HOUR + 60_000);
    expect(samples(head, 'm')).toEqual([HOUR, HOUR + 15_000, HOUR + 30_000, HOUR + 45_000]);
    expect(head.byLabels(ls)).toBeDefined();
  });

  it('keeps a series an appender holds, so its handle stays valid', async () => {
    const head = new Head('t', limits);
    await fill(head, 'm', 0, 60_000);
    const app = new HeadAppender(head, sink);
    const handle = app.seriesFor(labelsFromObject({ __name__: 'm', job: 'j' }));
    expect(app.appendTo(handle, 2 * HOUR, 1)).toBe(AppendStatus.Ok);
    await head.truncate(HOUR);
    await app.commit();
    expect(samples(head, 'm')).toEqual([2 * HOUR]);
  });

  it('refuses samples below the floor as too old', async () => {
    const head = new Head('t', limits);
    head.floor = 10_000;
    const app = new HeadAppender(head, sink);
    const h = app.seriesFor(labelsFromObject({ __name__: 'm' }));
    expect(app.appendTo(h, 9_999, 1)).toBe(AppendStatus.TooOld);
    expect(app.appendTo(h, 10_000, 1)).toBe(AppendStatus.Ok);
    app.rollback();
  });

  it('a checkpoint replays to the same samples, skipping what lies below the floor', async () => {
    const head = new Head('t', limits);
    await fill(head, 'a', 0, 4 * HOUR);
    await fill(head, 'b', 3 * HOUR, 4 * HOUR);
    head.metadata.set('a', { metricFamilyName: 'a', type: 'counter', help: 'h', unit: '' });
    const records: Uint8Array[] = [];
    for await (const r of checkpointRecords(head, 2 * HOUR)) records.push(r);
    const again = new Head('t', limits);
    again.floor = 2 * HOUR;
    const stats = emptyReplayStats();
    for (const r of records) replayRecord(again, r, stats);
    expect(samples(again, 'a')).toEqual(samples(head, 'a', 2 * HOUR));
    expect(samples(again, 'b')).toEqual(samples(head, 'b', 2 * HOUR));
    expect(again.metadata.get('a')?.type).toBe('counter');
    expect(stats.unknownRefs).toBe(0);
  });

  it('replays a series that left the head and came back under a new ref as one series (checkpoint names the old ref)', async () => {
    // As in the compaction crash test: a flush checkpoints series a (ref 1); the truncation
    // then removes it (empty, older than the floor); the next push creates it again (ref 2),
    // whose records go to the segments after the checkpoint.
    const head = new Head('t', limits);
    await fill(head, 'a', 0, HOUR);
    const checkpoint: Uint8Array[] = [];
    for await (const r of checkpointRecords(head, 0)) checkpoint.push(r);
    await head.truncate(HOUR);
    expect(head.series.size).toBe(0);
    const segment: Uint8Array[] = [];
    const recording: WalSink = { append: (rs) => void segment.push(...rs.map((r) => r.slice())), async waitDurable() {} };
    const ls = labelsFromObject({ __name__: 'a', job: 'j' });
    const app = new HeadAppender(head, recording);
    for (let t = HOUR; t < 2 * HOUR; t += 15_000) app.append(0, ls, t, t / 1000);
    await app.commit();
    const again = new Head('t', limits);
    const stats = emptyReplayStats();
    for (const r of [...checkpoint, ...segment]) replayRecord(again, r, stats);
    again.endReplay();
    expect(stats.unknownRefs).toBe(0);
    expect(samples(again, 'a')).toEqual(Array.from({ length: (2 * HOUR) / 15_000 }, (_, i) => i * 15_000));
    // Neither ref is handed out again.
    const fresh = new HeadAppender(again, sink);
    const ref = fresh.append(0, labelsFromObject({ __name__: 'b' }), 2 * HOUR, 1);
    expect(ref).toBeGreaterThan(2);
    fresh.rollback();
  });
});
