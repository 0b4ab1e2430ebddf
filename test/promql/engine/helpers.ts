/**
 * Test support for the engine suites: a real `Tsdb` on a temp dir loaded with samples in
 * ascending time order, and compact renderings of query results for table rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatLabels, labelsFromObject, type Labels } from '../../../src/model/labels.js';
import type { Engine, QueryableTenant } from '../../../src/promql/engine/index.js';
import { parseExpr } from '../../../src/promql/parser/index.js';
import type { Value } from '../../../src/promql/value.js';
import { defaultTsdbOptions, Tsdb } from '../../../src/tsdb/tsdb.js';

export const SEC = 1000;
export const MIN = 60 * SEC;

/** Prometheus's stale marker bits (0x7ff0000000000002). */
export const STALE: number = (() => {
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  u[le ? 1 : 0] = 0x7ff00000;
  u[le ? 0 : 1] = 0x00000002;
  return f[0]!;
})();

/**
 * One series to load: labels, and values at `start + i·interval` (undefined skips a slot,
 * 'stale' writes a stale marker: a NaN payload does not survive a trip through a JS array).
 */
export interface SeriesSpec {
  readonly labels: Readonly<Record<string, string>>;
  readonly values: readonly (number | 'stale' | undefined)[];
  readonly startMs?: number;
  readonly intervalMs?: number;
}

export interface TestStore {
  readonly tsdb: Tsdb;
  readonly q: QueryableTenant;
  close(): Promise<void>;
}

/** Opens a store on a temp dir and loads the series in one commit, ascending in time. */
export async function openStore(series: readonly SeriesSpec[], tenant = 'engine-test'): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-engine-'));
  const tsdb = new Tsdb(
    { ...defaultTsdbOptions(dir), fsync: 'never' },
    { forTenant: () => ({ maxGlobalSeriesPerUser: 0, maxGlobalSeriesPerMetric: 0, maxGlobalExemplarsPerUser: 0, compactorBlocksRetentionPeriodMs: 0 }) },
  );
  await tsdb.start();
  const samples: { ls: Labels; t: number; v: number | 'stale'; s: number }[] = [];
  series.forEach((spec, s) => {
    const ls = labelsFromObject(spec.labels);
    spec.values.forEach((v, i) => {
      if (v !== undefined) samples.push({ ls, t: (spec.startMs ?? 0) + i * (spec.intervalMs ?? MIN), v, s });
    });
  });
  samples.sort((a, b) => a.t - b.t || a.s - b.s);
  const app = tsdb.appender(tenant);
  for (const x of samples) app.append(0, x.ls, x.t, x.v === 'stale' ? STALE : x.v);
  await app.commit();
  return {
    tsdb,
    q: { querier: (mint, maxt) => tsdb.querier(tenant, mint, maxt) },
    close: async () => {
      await tsdb.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `n` values `start, start+step, ...`. */
export function seq(start: number, step: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => start + i * step);
}

function fmt(v: number): string {
  return Number.isNaN(v) ? 'NaN' : String(v);
}

/**
 * A result as sorted lines: `{labels} value` for vectors, `scalar value`, and
 * `{labels} v@t v@t` (t in seconds) for matrices. Values are rounded to 10 significant digits.
 */
export function render(v: Value): string[] {
  const num = (x: number): string => fmt(Number.isFinite(x) ? Number(x.toPrecision(10)) : x);
  switch (v.type) {
    case 'scalar':
      return [`scalar ${num(v.v)}`];
    case 'string':
      return [`string ${v.v}`];
    case 'vector':
      return v.vector.map((s) => `${formatLabels(s.metric)} ${num(s.v)}`).sort();
    case 'matrix':
      return v.matrix.map((s) => `${formatLabels(s.metric)} ${s.points.map((p) => `${num(p.v)}@${p.t / SEC}`).join(' ')}`).sort();
  }
}

/** Like `render` but keeps the result order (for sort, topk). */
export function renderOrdered(v: Value): string[] {
  if (v.type !== 'vector') return render(v);
  return v.vector.map((s) => `${formatLabels(s.metric)} ${fmt(s.v)}`);
}

/**
 * A query's answer (or error) as text, by `render`: instant at 7m, or range over 0–12m at a
 * 40 s step — the times the engine-against-engine property tests use.
 */
export async function answerText(
  engine: Engine,
  store: TestStore,
  query: string,
  range: boolean | { readonly start: number; readonly end: number; readonly step: number },
  render: (v: Value | Error) => string,
): Promise<string> {
  try {
    const expr = parseExpr(query);
    const r = range === true ? { start: 0, end: 12 * MIN, step: 40 * SEC } : range;
    const v = r !== false ? await engine.rangeQuery(store.q, expr, r.start, r.end, r.step) : await engine.instantQuery(store.q, expr, 7 * MIN);
    return render(v);
  } catch (err) {
    return render(err as Error);
  }
}

/** The specs with one per label set: later duplicates are dropped (random tests draw them). */
export function distinctSeries(specs: readonly SeriesSpec[]): SeriesSpec[] {
  const seen = new Set<string>();
  return specs.filter((s) => {
    const key = JSON.stringify(Object.entries(s.labels).sort());
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
