/**
 * The expectations of `cairn verify` and their comparison with what the query APIs
 * answered. Everything here is pure: the values are functions of the series index and the
 * timestamp, the log lines of their sequence number, so the expected answer of any query
 * over any window is computable without remembering what was written beyond whether each
 * write was accepted.
 */

/** The metric `cairn verify` writes. */
export const VERIFY_METRIC = 'cairn_verify_sine';

/** Period of the sine: 10 minutes, as Mimir's continuous test, so neighbouring samples differ. */
const PERIOD_MS = 600_000;

/** The value of series `i` at `tMs`: a sine with a per-series phase, exactly reproducible. */
export function expectedValue(series: number, tMs: number): number {
  return Math.sin((2 * Math.PI * (tMs % PERIOD_MS)) / PERIOD_MS + series);
}

/** The text of log line `n` of a run. */
export function expectedLine(n: number): string {
  return `verify line ${n}`;
}

/** A kind of finding, the `kind` label of `cairn_verify_mismatches_total`. */
export type MismatchKind = 'gap' | 'duplicate' | 'unexpected' | 'value' | 'missing_series' | 'label_values' | 'count' | 'write_error' | 'query_error';

/** One finding: what was expected, what came back, and the query that showed it. */
export interface Mismatch {
  readonly kind: MismatchKind;
  /** The check that found it: `instant`, `raw`, `range`, `label_values`, `log_count`, `log_tail`, `write`. */
  readonly check: string;
  readonly detail: string;
  readonly expected: string;
  readonly got: string;
}

/** Whether a write was accepted (`true`), refused (`false`: its data may or may not be there). */
export interface WriteRecord {
  readonly tMs: number;
  readonly ok: boolean;
}

/** Equal within a relative 1e-9: exact for Cairn and Prometheus, tolerant of a server that prints fewer digits. */
export function sameValue(a: number, b: number): boolean {
  if (a === b) return true;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

const iso = (tMs: number): string => new Date(tMs).toISOString();

/**
 * Compares one series' raw samples (from a range-vector instant query) with the writes in
 * the window: a written timestamp without a sample is a gap, a timestamp twice a duplicate,
 * a timestamp never written unexpected, a wrong value a value mismatch. Samples of refused
 * writes may be present or absent.
 */
export function compareRaw(series: number, writes: readonly WriteRecord[], got: readonly (readonly [number, string])[]): Mismatch[] {
  const out: Mismatch[] = [];
  const byTs = new Map<number, string[]>();
  for (const [tS, v] of got) {
    const tMs = Math.round(tS * 1000);
    byTs.set(tMs, [...(byTs.get(tMs) ?? []), v]);
  }
  const written = new Map(writes.map((w) => [w.tMs, w.ok]));
  for (const w of writes) {
    const vs = byTs.get(w.tMs);
    const want = expectedValue(series, w.tMs);
    if (vs === undefined) {
      if (w.ok) out.push({ kind: 'gap', check: 'raw', detail: `${VERIFY_METRIC}{series="${series}"} at ${iso(w.tMs)}`, expected: `a sample ${want}`, got: 'no sample' });
      continue;
    }
    if (vs.length > 1) out.push({ kind: 'duplicate', check: 'raw', detail: `${VERIFY_METRIC}{series="${series}"} at ${iso(w.tMs)}`, expected: '1 sample', got: `${vs.length} samples (${vs.join(', ')})` });
    if (!sameValue(Number(vs[0]), want)) out.push({ kind: 'value', check: 'raw', detail: `${VERIFY_METRIC}{series="${series}"} at ${iso(w.tMs)}`, expected: String(want), got: vs[0]! });
  }
  for (const [tMs, vs] of byTs) {
    if (!written.has(tMs)) out.push({ kind: 'unexpected', check: 'raw', detail: `${VERIFY_METRIC}{series="${series}"} at ${iso(tMs)}`, expected: 'no sample (nothing was written then)', got: vs.join(', ') });
  }
  return out;
}

/**
 * Compares one series' range-query points with the writes, each step sitting on a write's
 * timestamp: the point must carry that write's value. A missing sample shows here as the
 * previous sample's value carried by the lookback, or as a missing point.
 */
export function compareRange(series: number, writes: readonly WriteRecord[], got: readonly (readonly [number, string])[]): Mismatch[] {
  const out: Mismatch[] = [];
  const points = new Map(got.map(([tS, v]) => [Math.round(tS * 1000), v]));
  for (const w of writes) {
    if (!w.ok) continue;
    const want = expectedValue(series, w.tMs);
    const v = points.get(w.tMs);
    if (v === undefined) out.push({ kind: 'gap', check: 'range', detail: `${VERIFY_METRIC}{series="${series}"} step ${iso(w.tMs)}`, expected: String(want), got: 'no point' });
    else if (!sameValue(Number(v), want)) out.push({ kind: 'value', check: 'range', detail: `${VERIFY_METRIC}{series="${series}"} step ${iso(w.tMs)}`, expected: String(want), got: `${v}${describeStale(series, Number(v), w.tMs, writes)}` });
  }
  return out;
}

/** Names the earlier write whose value a wrong point carries (the lookback over a gap), when one does. */
function describeStale(series: number, v: number, tMs: number, writes: readonly WriteRecord[]): string {
  for (let i = writes.length - 1; i >= 0; i--) {
    const t = writes[i]!.tMs;
    if (t < tMs && sameValue(expectedValue(series, t), v)) return ` (the value of ${iso(t)}: a gap filled by the lookback)`;
  }
  return '';
}

/** A log line written: its sequence number, timestamp in ns and whether its push was accepted. */
export interface LineRecord {
  readonly n: number;
  readonly tNs: bigint;
  readonly ok: boolean;
}

/** The expected `count_over_time` over `lines`: an exact count, or a range when some pushes were refused. */
export function compareCount(lines: readonly LineRecord[], got: number | undefined): Mismatch[] {
  const min = lines.filter((l) => l.ok).length;
  const max = lines.length;
  const n = got ?? 0;
  if (n >= min && n <= max) return [];
  const expected = min === max ? String(min) : `${min}..${max}`;
  return [{ kind: n < min ? 'gap' : 'duplicate', check: 'log_count', detail: `count_over_time of the run's stream over lines ${lines[0]?.n ?? 0}..${lines.at(-1)?.n ?? 0}`, expected, got: got === undefined ? 'no result' : String(n) }];
}

/**
 * Compares the newest lines a backward log query returned (`got`, as [ns, line]) with the
 * newest `limit` written: each expected line once at its timestamp, in order, nothing else.
 */
export function compareTail(lines: readonly LineRecord[], limit: number, got: readonly (readonly [string, string])[]): Mismatch[] {
  const out: Mismatch[] = [];
  const expected = lines.slice(-limit);
  const all = new Map(lines.map((l) => [expectedLine(l.n), l]));
  const seen = new Map<string, number>();
  for (const [, line] of got) seen.set(line, (seen.get(line) ?? 0) + 1);
  for (const l of expected) {
    const text = expectedLine(l.n);
    const c = seen.get(text) ?? 0;
    if (c === 0 && l.ok) out.push({ kind: 'gap', check: 'log_tail', detail: `line ${l.n} at ${l.tNs}ns`, expected: JSON.stringify(text), got: 'absent from the newest lines' });
    if (c > 1) out.push({ kind: 'duplicate', check: 'log_tail', detail: `line ${l.n} at ${l.tNs}ns`, expected: '1 copy', got: `${c} copies` });
  }
  for (const [ts, line] of got) {
    const l = all.get(line);
    if (l === undefined) out.push({ kind: 'unexpected', check: 'log_tail', detail: `a line at ${ts}ns`, expected: 'only lines the run wrote', got: JSON.stringify(line) });
    else if (BigInt(ts) !== l.tNs) out.push({ kind: 'value', check: 'log_tail', detail: `line ${l.n}`, expected: `timestamp ${l.tNs}ns`, got: `${ts}ns` });
  }
  for (let i = 1; i < got.length; i++) {
    if (BigInt(got[i]![0]) > BigInt(got[i - 1]![0])) {
      out.push({ kind: 'value', check: 'log_tail', detail: 'order of a backward query', expected: 'newest first', got: `${got[i - 1]![0]}ns before ${got[i]![0]}ns` });
      break;
    }
  }
  return out;
}
