/**
 * The LogQL abstract syntax tree: readonly discriminated unions on `kind`, plain data only
 * (no compiled regexes or templates), so trees can be compared with a deep equality, sent
 * to a worker, and printed back by `printer.ts`. The shapes follow Loki's
 * `pkg/logql/syntax/ast.go` where that keeps the printed form identical, and are flatter
 * where Loki's Go types are an accident of its yacc grammar (its nested `LineFilterExpr`
 * becomes one stage per filter).
 *
 * Units: ranges and offsets are milliseconds (LogQL ranges are Prometheus durations, whole
 * milliseconds); the duration label filter keeps nanoseconds, as Go's `time.Duration`
 * does, because its value prints with Go's `Duration.String()`.
 */
import type { MatchType } from '../model/matcher.js';

/** A label matcher as written: `name op "value"`. Regexes are fully anchored when run. */
export interface LabelMatcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
}

// ---------------------------------------------------------------------------------------
// Log queries

/** A stream selector with its pipeline: `{a="b"} |= "x" | json`. `stages` may be empty. */
export interface LogSelectorExpr {
  readonly kind: 'log_selector';
  readonly matchers: readonly LabelMatcher[];
  readonly stages: readonly Stage[];
}

/** The operators of line filters: contains, regex, pattern, and their negations. */
export type LineFilterOp = '|=' | '!=' | '|~' | '!~' | '|>' | '!>';

/** One operand of a line filter: a string, or `ip("…")` when `ip` is true. */
export interface LineMatch {
  readonly value: string;
  readonly ip: boolean;
}

/**
 * A line filter. More than one entry in `matches` is an `or` chain (`|= "a" or "b"`),
 * which matches when any does; the parser only builds chains for the positive operators
 * (`|=`, `|~`, `|>`), because Loki rewrites `!= "a" or "b"` into `!= "a" != "b"`.
 */
export interface LineFilterStage {
  readonly kind: 'line_filter';
  readonly op: LineFilterOp;
  readonly matches: readonly LineMatch[];
}

/** `label="expression"` parameter of `| json` and `| logfmt`. */
export interface ExtractionParam {
  readonly label: string;
  readonly expression: string;
}

/** `| json` (all fields) or `| json a="x.y", b` (listed expressions only). */
export interface JsonStage {
  readonly kind: 'json';
  readonly params: readonly ExtractionParam[];
}

/** `| logfmt [--strict] [--keep-empty] [params]`. */
export interface LogfmtStage {
  readonly kind: 'logfmt';
  readonly strict: boolean;
  readonly keepEmpty: boolean;
  readonly params: readonly ExtractionParam[];
}

/** `| regexp "…"`: a Go RE2 expression with named captures, kept as text. */
export interface RegexpStage {
  readonly kind: 'regexp';
  readonly pattern: string;
}

/** `| pattern "<a> <_>"`: a pattern with named captures, kept as text. */
export interface PatternStage {
  readonly kind: 'pattern';
  readonly pattern: string;
}

/** `| unpack`: Promtail's packed JSON. */
export interface UnpackStage {
  readonly kind: 'unpack';
}

/** `| decolorize`: strips ANSI colour codes. */
export interface DecolorizeStage {
  readonly kind: 'decolorize';
}

/** `| line_format "…"`: a Go text/template, executed elsewhere. */
export interface LineFormatStage {
  readonly kind: 'line_format';
  readonly template: string;
}

/** One entry of `| label_format`: `dst=src` renames, `dst="{{…}}"` sets from a template. */
export interface LabelFormat {
  readonly name: string;
  readonly rename: boolean;
  /** The source label when `rename`, else the template text. */
  readonly value: string;
}

/** `| label_format a=b, c="{{…}}"`. */
export interface LabelFormatStage {
  readonly kind: 'label_format';
  readonly formats: readonly LabelFormat[];
}

/** An entry of `| drop` / `| keep`: a bare label name, or a matcher on its value. */
export type LabelSelection =
  | { readonly name: string; readonly matcher?: undefined }
  | { readonly name?: undefined; readonly matcher: LabelMatcher };

/** `| drop a, b="v"`. */
export interface DropStage {
  readonly kind: 'drop';
  readonly labels: readonly LabelSelection[];
}

/** `| keep a, b="v"`. */
export interface KeepStage {
  readonly kind: 'keep';
  readonly labels: readonly LabelSelection[];
}

/** `| <label filter>`. */
export interface LabelFilterStage {
  readonly kind: 'label_filter';
  readonly filter: LabelFilter;
}

/** One pipeline stage, in the order written. */
export type Stage =
  | LineFilterStage
  | JsonStage
  | LogfmtStage
  | RegexpStage
  | PatternStage
  | UnpackStage
  | DecolorizeStage
  | LineFormatStage
  | LabelFormatStage
  | DropStage
  | KeepStage
  | LabelFilterStage;

/** Comparison of a typed label filter. `==` and `=` are the same and print as `==`. */
export type CompareOp = '==' | '!=' | '>' | '>=' | '<' | '<=';

/**
 * Label filters. The literal's type picks the comparison: a string matcher, a number
 * (float), a duration (Go duration syntax on the label value) or bytes (humanized sizes).
 */
export type LabelFilter =
  | { readonly kind: 'string'; readonly matcher: LabelMatcher }
  | { readonly kind: 'number'; readonly name: string; readonly op: CompareOp; readonly value: number }
  | { readonly kind: 'duration'; readonly name: string; readonly op: CompareOp; readonly valueNs: number }
  | { readonly kind: 'bytes'; readonly name: string; readonly op: CompareOp; readonly bytes: number }
  | { readonly kind: 'ip'; readonly name: string; readonly op: '==' | '!='; readonly pattern: string }
  | { readonly kind: 'and' | 'or'; readonly left: LabelFilter; readonly right: LabelFilter };

// ---------------------------------------------------------------------------------------
// Metric queries

/** `by (…)` or `without (…)`; `labels` may be empty (`by ()`). */
export interface Grouping {
  readonly without: boolean;
  readonly labels: readonly string[];
}

/** `| unwrap x`, `| unwrap duration(x)`, `| unwrap bytes(x)`, with label filters after it. */
export interface Unwrap {
  readonly label: string;
  readonly conversion: '' | 'bytes' | 'duration' | 'duration_seconds';
  readonly postFilters: readonly LabelFilter[];
}

/** The argument of a range aggregation: `{…} | pipeline [5m] offset 1h`. */
export interface LogRange {
  readonly selector: LogSelectorExpr;
  readonly rangeMs: number;
  /** 0 when there is no `offset`. */
  readonly offsetMs: number;
  readonly unwrap?: Unwrap;
}

/** The range aggregations (`count_over_time`, `rate`, …). */
export type RangeOp =
  | 'count_over_time'
  | 'rate'
  | 'rate_counter'
  | 'bytes_over_time'
  | 'bytes_rate'
  | 'avg_over_time'
  | 'sum_over_time'
  | 'min_over_time'
  | 'max_over_time'
  | 'stdvar_over_time'
  | 'stddev_over_time'
  | 'quantile_over_time'
  | 'first_over_time'
  | 'last_over_time'
  | 'absent_over_time';

/** `op([φ,] range) [by|without (…)]`. */
export interface RangeAggregationExpr {
  readonly kind: 'range_aggregation';
  readonly op: RangeOp;
  /** φ of `quantile_over_time`; absent for the others. */
  readonly param?: number;
  readonly range: LogRange;
  readonly grouping?: Grouping;
}

/** The vector aggregations. */
export type VectorOp = 'sum' | 'avg' | 'min' | 'max' | 'stddev' | 'stdvar' | 'count' | 'topk' | 'bottomk' | 'sort' | 'sort_desc';

/**
 * `op [by|without (…)] ([k,] expr)`. A `by ()` grouping is stored as no grouping: both
 * aggregate everything into one series and Loki prints them alike.
 */
export interface VectorAggregationExpr {
  readonly kind: 'vector_aggregation';
  readonly op: VectorOp;
  /** k of `topk`/`bottomk` (an integer > 0); absent for the others. */
  readonly param?: number;
  readonly grouping?: Grouping;
  readonly expr: SampleExpr;
}

/** Binary operators: set (`or`, `and`, `unless`), arithmetic and comparison. */
export type BinaryOp = 'or' | 'and' | 'unless' | '+' | '-' | '*' | '/' | '%' | '^' | '==' | '!=' | '>' | '>=' | '<' | '<=';

/** `on (…)` / `ignoring (…)` with `group_left (…)` / `group_right (…)`. */
export interface VectorMatching {
  readonly card: 'one-to-one' | 'many-to-one' | 'one-to-many';
  readonly on: boolean;
  /** Undefined for `on ()` / `ignoring ()`, as in Loki (it prints differently). */
  readonly labels?: readonly string[];
  /** Undefined for a bare `group_left` or `group_left ()`. */
  readonly include?: readonly string[];
}

/** `lhs op [bool] [on|ignoring (…) [group_left|group_right (…)]] rhs`. */
export interface BinaryExpr {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly lhs: SampleExpr;
  readonly rhs: SampleExpr;
  readonly returnBool: boolean;
  readonly matching?: VectorMatching;
}

/** A number. Loki folds `1 + 2` into `3` while parsing; so does this parser. */
export interface LiteralExpr {
  readonly kind: 'literal';
  readonly value: number;
}

/** `vector(1)`. */
export interface VectorExpr {
  readonly kind: 'vector';
  readonly value: number;
}

/** `label_replace(expr, "dst", "replacement", "src", "regex")`. */
export interface LabelReplaceExpr {
  readonly kind: 'label_replace';
  readonly expr: SampleExpr;
  readonly dst: string;
  readonly replacement: string;
  readonly src: string;
  readonly regex: string;
}

/** A metric query. */
export type SampleExpr =
  | RangeAggregationExpr
  | VectorAggregationExpr
  | BinaryExpr
  | LiteralExpr
  | VectorExpr
  | LabelReplaceExpr;

/** A whole query: a log query or a metric query. */
export type LogQLExpr = LogSelectorExpr | SampleExpr;

/** True for metric (sample) queries, false for log queries. */
export function isSampleExpr(e: LogQLExpr): e is SampleExpr {
  return e.kind !== 'log_selector';
}
