/**
 * Comparing a LogQL engine outcome with a script's expectation, as the Go harness does
 * (runner.go `assertResult` / `compareResult`, with the log-stream additions):
 *
 * - `expect fail`: any error; `msg:` wants the substring, `regex:` a (Go RE2) match;
 * - vector (instant): series are a set keyed by the full label set (`{a=""}` differs from
 *   `{}`); duplicates, extra and missing series fail; every sample carries the eval time;
 *   `expect ordered` also compares positions;
 * - matrix (range): a set of series; every point must sit on a step t0, t0+step, … ≤ t1;
 *   a `_` step must have no point;
 * - scalar: one number;
 * - streams: a set keyed by labels (structured metadata and parsed labels folded in, as in
 *   Loki's plain answer, unless `categorizeLabels`); the lines of a stream are an exact
 *   ordered sequence of (time at ms precision, text);
 * - floats: equal within 1e-9 absolute or relative; NaN equals NaN; ±Inf exact.
 *
 * `skip values-comparison` and `values-toleration` apply only when they name the `direct`
 * stack: the in-process run is the Go harness's direct stack.
 */
import { compileGoRegexp, goRegexpTest } from '../../../src/model/matcher.js';
import type { Label } from '../../../src/model/labels.js';
import type { LogQLValue, ResultStream } from '../../../src/logql/engine/types.js';
import { labelsText, SCRIPT_EPOCH_MS, type EvalCase, type ExpectedLogEntry, type Expectation } from './parse.js';

/** runner.go's defaultEpsilon. */
export const DEFAULT_EPSILON = 1e-9;

/** The stack whose `skip`/`values-toleration` directives apply here. */
const DIRECT = 'direct';

/** runner.go's floatsEqual: NaN = NaN, ±Inf exact, else |a-b| ≤ eps or relative ≤ eps. */
export function floatsEqual(a: number, b: number, eps = DEFAULT_EPSILON): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  const diff = Math.abs(a - b);
  return diff <= eps || diff / Math.max(Math.abs(a), Math.abs(b)) <= eps;
}

/** A value as Go's `%v` prints the common cases. */
export function formatValue(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** A script-relative time for messages: `60s`, `1.5s`, `250ms`. */
function rel(tMs: number): string {
  const ms = tMs - SCRIPT_EPOCH_MS;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** What an evaluation produced: a value, or the error it threw (parse errors included). */
export type LogqlOutcome = { readonly ok: true; readonly value: LogQLValue } | { readonly ok: false; readonly error: unknown };

export interface CompareOptions {
  /** Compare streams by their stream labels, with metadata/parsed per entry (categorize-labels). */
  readonly categorizeLabels?: boolean;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function checkFail(c: EvalCase, out: LogqlOutcome): string | undefined {
  const want = c.expect.fail!;
  if (out.ok) return `expected query to fail, got a ${out.value.type} result`;
  const msg = errorText(out.error);
  if (want.kind === 'msg' && !msg.includes(want.text)) return `failure message does not contain ${JSON.stringify(want.text)}: ${JSON.stringify(msg)}`;
  if (want.kind === 'regex') {
    let ok: boolean;
    try {
      ok = goRegexpTest(compileGoRegexp(want.text), msg);
    } catch (e) {
      return `invalid expect fail regex ${JSON.stringify(want.text)}: ${errorText(e)}`;
    }
    if (!ok) return `failure message does not match /${want.text}/: ${JSON.stringify(msg)}`;
  }
  return undefined;
}

/**
 * Compares one case's outcome with its expectation. Returns undefined when they agree,
 * else the first difference in one line (runner.go's wording where it has one).
 */
export function compareOutcome(c: EvalCase, out: LogqlOutcome, opts: CompareOptions = {}): string | undefined {
  const e = c.expect;
  if (c.invalid !== undefined) return `invalid case: ${c.invalid}`;
  if (e.fail !== undefined) return checkFail(c, out);
  if (!out.ok) return `query failed: ${errorText(out.error)}`;
  const v = out.value;
  const skipValues = e.skipValuesOn.includes(DIRECT);
  const eps = e.tolerations.get(DIRECT) ?? DEFAULT_EPSILON;
  const eq = (a: number, b: number) => skipValues || floatsEqual(a, b, eps);
  switch (v.type) {
    case 'scalar':
      if (e.empty) return `expected an empty result, got scalar ${formatValue(v.v)}`;
      if (e.series.length > 0) return 'expected series, got a scalar';
      if (e.streams.length > 0) return 'expected log streams, got a scalar';
      if (e.scalar === undefined) return 'scalar result but no scalar value expected';
      return eq(e.scalar, v.v) ? undefined : `scalar mismatch: want ${formatValue(e.scalar)}, got ${formatValue(v.v)}`;
    case 'vector':
      if (e.empty) return v.samples.length === 0 ? undefined : `expected an empty result, got ${v.samples.map((s) => `${labelsText(s.labels)} ${formatValue(s.v)}`).join(', ')}`;
      return compareVector(c, e, v.samples, eq);
    case 'matrix':
      if (e.empty) return v.series.length === 0 ? undefined : `expected an empty result, got ${v.series.length} series (${v.series.map((s) => labelsText(s.labels)).join(' ')})`;
      return compareMatrix(c, e, v.series, eq);
    case 'streams':
      if (e.empty) return v.streams.length === 0 ? undefined : `expected an empty result, got ${v.streams.length} streams`;
      return compareStreams(e, v.streams, skipValues, opts.categorizeLabels === true);
  }
}

type Eq = (want: number, got: number) => boolean;

function compareVector(c: EvalCase, e: Expectation, samples: readonly { labels: readonly Label[]; tMs: number; v: number }[], eq: Eq): string | undefined {
  if (e.scalar !== undefined) return 'expected a scalar, got a vector';
  if (e.streams.length > 0) return 'expected log streams, got a vector';
  if (c.mode !== 'instant') return `got a vector for a ${c.mode} query`;
  const wantT = SCRIPT_EPOCH_MS + c.tNs / 1e6;
  if (e.ordered) {
    if (samples.length !== e.series.length) return `series count mismatch: want ${e.series.length}, got ${samples.length}`;
    for (let i = 0; i < samples.length; i++) {
      const w = e.series[i]!;
      const g = samples[i]!;
      const key = labelsText(g.labels);
      if (key !== w.key) return `series at position ${i}: want ${w.key}, got ${key}`;
      if (g.tMs !== wantT) return `series ${key} has timestamp ${rel(g.tMs)}, expected ${rel(wantT)}`;
      if (!eq(w.samples[0]!.v, g.v)) return `series ${key} (position ${i}) value mismatch: want ${formatValue(w.samples[0]!.v)}, got ${formatValue(g.v)}`;
    }
    return undefined;
  }
  const got = new Map<string, number>();
  for (const s of samples) {
    const key = labelsText(s.labels);
    if (s.tMs !== wantT) return `series ${key} has timestamp ${rel(s.tMs)}, expected ${rel(wantT)}`;
    if (got.has(key)) return `engine returned duplicate series ${key}`;
    got.set(key, s.v);
  }
  const gotText = () => [...got].map(([k, v]) => `${k} ${formatValue(v)}`).join(', ');
  if (got.size !== e.series.length) return `series count mismatch: want ${e.series.length}, got ${got.size} (${gotText()})`;
  for (const w of e.series) {
    const g = got.get(w.key);
    if (g === undefined) return `missing expected series ${w.key}; got ${gotText()}`;
    if (!eq(w.samples[0]!.v, g)) return `series ${w.key} value mismatch: want ${formatValue(w.samples[0]!.v)}, got ${formatValue(g)}`;
  }
  return undefined;
}

function compareMatrix(c: EvalCase, e: Expectation, series: readonly { labels: readonly Label[]; points: readonly { tMs: number; v: number }[] }[], eq: Eq): string | undefined {
  if (e.scalar !== undefined) return 'expected a scalar, got a matrix';
  if (e.streams.length > 0) return 'expected log streams, got a matrix';
  if (c.mode !== 'range') return `got a matrix for a ${c.mode} query`;
  const steps: number[] = [];
  for (let t = c.startNs; t <= c.endNs; t += c.stepNs) steps.push(SCRIPT_EPOCH_MS + t / 1e6);
  const stepSet = new Set(steps);
  const got = new Map<string, Map<number, number>>();
  for (const s of series) {
    const key = labelsText(s.labels);
    if (got.has(key)) return `engine returned duplicate series ${key}`;
    const byT = new Map<number, number>();
    for (const p of s.points) {
      if (!stepSet.has(p.tMs)) return `series ${key} has point at unexpected timestamp t=${rel(p.tMs)}`;
      if (byT.has(p.tMs)) return `engine returned duplicate point for series ${key} at t=${rel(p.tMs)}`;
      byT.set(p.tMs, p.v);
    }
    got.set(key, byT);
  }
  const render = (byT: Map<number, number>) => steps.map((t) => (byT.has(t) ? formatValue(byT.get(t)!) : '_')).join(' ');
  const gotText = () => [...got].map(([k, b]) => `${k} ${render(b)}`).join(', ');
  if (got.size !== e.series.length) return `series count mismatch: want ${e.series.length}, got ${got.size} (${gotText()})`;
  for (const w of e.series) {
    const byT = got.get(w.key);
    if (byT === undefined) return `missing expected series ${w.key}; got ${gotText()}`;
    for (let i = 0; i < w.samples.length; i++) {
      const t = steps[i]!;
      const p = w.samples[i]!;
      const g = byT.get(t);
      if (!p.present) {
        if (g !== undefined) return `series ${w.key} step ${i} (t=${rel(t)}) should be empty, got ${formatValue(g)} (got ${render(byT)})`;
        continue;
      }
      if (g === undefined) return `series ${w.key} missing point at step ${i} (t=${rel(t)}) (got ${render(byT)})`;
      if (!eq(p.v, g)) return `series ${w.key} step ${i} (t=${rel(t)}) value mismatch: want ${formatValue(p.v)}, got ${formatValue(g)} (got ${render(byT)})`;
    }
  }
  return undefined;
}

interface GotEntry {
  readonly tMs: number;
  readonly line: string;
  readonly metadata: readonly Label[];
  readonly parsed: readonly Label[];
}

/**
 * Streams: expected lines are grouped by their identity (stream labels, plus each line's
 * metadata and parsed labels unless categorized); so are the engine's. Each group must hold
 * the same lines in the same order.
 */
function compareStreams(e: Expectation, streams: readonly ResultStream[], skipValues: boolean, categorize: boolean): string | undefined {
  if (e.scalar !== undefined) return 'expected a scalar, got log streams';
  if (e.series.length > 0) return 'expected series, got log streams';
  const want = new Map<string, ExpectedLogEntry[]>();
  for (const s of e.streams) {
    for (const en of s.entries) {
      const key = categorize ? s.key : labelsText(merge(s.labels, en.metadata, en.parsed));
      const list = want.get(key);
      if (list === undefined) want.set(key, [en]);
      else list.push(en);
    }
  }
  const got = new Map<string, GotEntry[]>();
  for (const s of streams) {
    const key = labelsText(s.labels);
    if (got.has(key)) return `engine returned duplicate stream ${key}`;
    got.set(
      key,
      s.entries.map((en) => ({ tMs: en.tMs, line: en.line, metadata: en.structuredMetadata ?? [], parsed: en.parsed ?? [] })),
    );
  }
  const keys = () => [...got.keys()].join(' ');
  if (got.size !== want.size) return `stream count mismatch: want ${want.size}, got ${got.size} (${keys()})`;
  for (const [key, wantEntries] of want) {
    const g = got.get(key);
    if (g === undefined) return `missing expected stream ${key}; got streams ${keys()}`;
    if (g.length !== wantEntries.length) return `stream ${key} has ${g.length} lines, expected ${wantEntries.length} (got ${g.map((x) => `${JSON.stringify(x.line)} @ ${rel(x.tMs)}`).join(', ')})`;
    for (let i = 0; i < wantEntries.length; i++) {
      const w = wantEntries[i]!;
      const ge = g[i]!;
      const wantT = SCRIPT_EPOCH_MS + Math.floor(w.tNs / 1e6);
      if (ge.tMs !== wantT) return `stream ${key} line ${i} has timestamp ${rel(ge.tMs)}, expected ${rel(wantT)}`;
      if (skipValues) continue;
      if (ge.line !== w.line) return `stream ${key} line ${i} mismatch: want ${JSON.stringify(w.line)}, got ${JSON.stringify(ge.line)}`;
      if (categorize) {
        if (labelsText(ge.metadata) !== labelsText(w.metadata)) return `stream ${key} line ${i} structured metadata mismatch: want ${labelsText(w.metadata)}, got ${labelsText(ge.metadata)}`;
        if (labelsText(ge.parsed) !== labelsText(w.parsed)) return `stream ${key} line ${i} parsed labels mismatch: want ${labelsText(w.parsed)}, got ${labelsText(ge.parsed)}`;
      }
    }
  }
  return undefined;
}

/** Stream labels with metadata and parsed labels folded in (later sources win a name). */
function merge(...sets: (readonly Label[])[]): Label[] {
  const m = new Map<string, string>();
  for (const set of sets) for (const l of set) m.set(l.name, l.value);
  return [...m].map(([name, value]) => ({ name, value }));
}
