/**
 * Log queries (`{app="a"} |= "x" | json`): entries in `[start, end)` through the pipeline,
 * merged across streams in the query's direction, cut at `limit` entries overall (the
 * newest for `backward`, the oldest for `forward`), thinned by `interval`, then grouped by
 * their result labels — Loki's `readStreams` (pkg/logql/engine.go).
 */
import { compareLabels, labelsKey } from '../../model/labels.js';
import type { LogEntryIterator, LogStream } from '../../logstore/interface.js';
import type { LogSelectorExpr } from '../ast.js';
import { compileLogPipeline } from '../pipeline/index.js';
import type { StreamPipeline } from '../pipeline/types.js';
import type { QueryControl } from './query-control.js';
import { compileMatchers, selectParams } from './selection.js';
import type { Labels } from '../../model/labels.js';
import type { LogQLQueryStats, LogQLSource, ResultEntry, ResultStream } from './types.js';
import { PAUSED, type Direction } from '../../logstore/interface.js';

export interface LogQueryParams {
  readonly startMs: number;
  readonly startNs: number;
  readonly endMs: number;
  readonly endNs: number;
  readonly limit: number;
  readonly direction: Direction;
  readonly intervalMs: number;
  readonly categorizeLabels: boolean;
}

/** What `Cursor.advance` found. */
const enum Step {
  /** At an entry the pipeline keeps. */
  Found,
  /** The stream has no more. */
  End,
  /** The query's slice is up: `await ctl.pause()`, then call again. */
  Pause,
}

/** One stream's entries after its pipeline, one at a time. */
class Cursor {
  tMs = 0;
  tNs = 0;
  line = '';
  labels: Labels = [];
  key = '';
  structuredMetadata: Labels = [];
  parsed: Labels = [];
  /** Made on the first `advance`: making it lists the stream's chunks in the blocks. */
  private it: LogEntryIterator | undefined;
  private readonly sp: StreamPipeline;

  constructor(
    readonly stream: LogStream,
    sp: StreamPipeline,
    private readonly ctl: QueryControl,
  ) {
    this.sp = sp;
  }

  /**
   * Moves to the next entry the pipeline keeps. Entries it drops count against the query's
   * slice: a filter that keeps few of a stream's lines must not scan the whole stream in one
   * turn of the event loop (it held pushes for 48 s before).
   */
  advance(): Step {
    const { sp, ctl } = this;
    let it = this.it;
    if (it === undefined) {
      it = this.it = this.stream.iterator();
      // Every stream's cursor starts before the first entry leaves: let a push in between.
      if (ctl.due()) return Step.Pause;
    }
    while (it.next()) {
      const e = it.at();
      if (e === PAUSED) return Step.Pause;
      const out = sp.process(e.tMs, e.tNs, e.line, e.metadata);
      if (out === undefined) {
        if (ctl.tick()) return Step.Pause;
        continue;
      }
      this.tMs = e.tMs;
      this.tNs = e.tNs;
      this.line = out.line;
      this.labels = out.labels;
      this.key = out.key;
      this.structuredMetadata = out.structuredMetadata;
      this.parsed = out.parsed;
      return Step.Found;
    }
    return Step.End;
  }

  /** `advance`, yielding to the event loop whenever it asks to: true at an entry, false at the end. */
  async next(): Promise<boolean> {
    let step = this.advance();
    while (step === Step.Pause) {
      await this.ctl.pause();
      step = this.advance();
    }
    return step === Step.Found;
  }
}

/** A binary heap of cursors ordered by their current entry in the query's direction. */
class CursorHeap {
  readonly items: Cursor[] = [];
  constructor(private readonly forward: boolean) {}

  private before(a: Cursor, b: Cursor): boolean {
    if (a.tMs !== b.tMs) return this.forward ? a.tMs < b.tMs : a.tMs > b.tMs;
    if (a.tNs !== b.tNs) return this.forward ? a.tNs < b.tNs : a.tNs > b.tNs;
    return compareLabels(a.labels, b.labels) < 0;
  }

  push(c: Cursor): void {
    const h = this.items;
    h.push(c);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  /** Re-sorts after the top cursor advanced, or removes it when it is done. */
  fixTop(alive: boolean): void {
    const h = this.items;
    if (!alive) {
      const last = h.pop()!;
      if (h.length === 0) return;
      h[0] = last;
    }
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.before(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.before(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

interface Group {
  labels: Labels;
  entries: ResultEntry[];
}

/** Runs a log query; returns its streams sorted by labels, entries in the query's direction. */
export async function evalLogQuery(
  src: LogQLSource,
  expr: LogSelectorExpr,
  p: LogQueryParams,
  ctl: QueryControl,
  stats: LogQLQueryStats,
): Promise<ResultStream[]> {
  const matchers = compileMatchers(expr.matchers);
  const pipeline = compileLogPipeline(expr.stages);
  const querier = src.querier(p.startMs, p.endNs === 0 ? p.endMs - 1 : p.endMs);
  try {
    const base = { startMs: p.startMs, startNs: p.startNs, endMs: p.endMs, endNs: p.endNs, direction: p.direction, limit: p.limit };
    const set = querier.select(matchers, selectParams(base, pipeline, stats, ctl));
    const forward = p.direction === 'forward';
    const heap = new CursorHeap(forward);
    while (set.next()) {
      const s = set.at();
      ctl.check();
      const c = new Cursor(s, pipeline.forStream(s.labels, true), ctl);
      if (await c.next()) heap.push(c);
      if (ctl.tick()) await ctl.pause();
    }

    const groups = new Map<string, Group>();
    const intervalNs = BigInt(p.intervalMs) * 1_000_000n;
    let last: bigint | undefined;
    let returned = 0;
    while (returned < p.limit && heap.items.length > 0) {
      const c = heap.items[0]!;
      let keep = true;
      if (intervalNs > 0n) {
        const t = BigInt(c.tMs) * 1_000_000n + BigInt(c.tNs);
        keep = last === undefined || (forward ? t >= last + intervalNs : t <= last - intervalNs);
        if (keep) last = t;
      }
      if (keep) {
        const key = p.categorizeLabels ? labelsKey(c.stream.labels) : c.key;
        let g = groups.get(key);
        if (g === undefined) groups.set(key, (g = { labels: p.categorizeLabels ? c.stream.labels : c.labels, entries: [] }));
        g.entries.push(
          p.categorizeLabels
            ? { tMs: c.tMs, tNs: c.tNs, line: c.line, structuredMetadata: c.structuredMetadata, parsed: c.parsed }
            : { tMs: c.tMs, tNs: c.tNs, line: c.line },
        );
        returned++;
      }
      heap.fixTop(await c.next());
      if (ctl.tick()) await ctl.pause();
    }
    stats.entriesReturned += returned;
    return [...groups.values()].sort((a, b) => compareLabels(a.labels, b.labels));
  } finally {
    querier.close();
  }
}
