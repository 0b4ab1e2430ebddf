/**
 * Loki's LogQL formatter (`pkg/logql/syntax/prettier.go`), which its `format_query`
 * endpoint returns: an expression whose one-line form (`formatLogQL`) is longer than 100
 * bytes is split, children on their own lines indented by two spaces per level, pipeline
 * stages one per line; anything shorter stays on one line.
 *
 * Upstream quirks kept, since clients compare the text: `| decolorize` is never indented,
 * offsets print as Prometheus durations here (`offset 1h`, unlike the one-line form's
 * `1h0m0s`), `by ()`/`without ()` print as nothing/` without`, and an empty `on ()`
 * matching clause is dropped. One quirk is not kept: when Loki splits a chain of line
 * filters it drops the `or` alternatives; they stay here.
 */
import type { Grouping, LabelFilter, LogQLExpr, LogRange, LogSelectorExpr, SampleExpr, Stage, VectorMatching } from './ast.js';
import { formatLabelFilter, formatLogQL, formatLogSelector } from './printer.js';
import { formatPromDurationMs, goFloat, goQuote } from './go-text.js';

/** Loki's `maxCharsPerLine`: expressions longer than this (in bytes) are split. */
const MAX_CHARS_PER_LINE = 100;

/** Loki's `Prettify`: the multi-line form `format_query` returns. */
export function prettifyLogQL(expr: LogQLExpr): string {
  return expr.kind === 'log_selector' ? prettyLog(expr, 0) : prettySample(expr, 0);
}

function indent(level: number): string {
  return '  '.repeat(level);
}

function fits(oneLine: string): boolean {
  return Buffer.byteLength(oneLine, 'utf8') <= MAX_CHARS_PER_LINE;
}

function prettyLog(e: LogSelectorExpr, level: number): string {
  const oneLine = formatLogSelector(e);
  if (e.stages.length === 0 || fits(oneLine)) return indent(level) + oneLine;
  const lines = [indent(level) + formatLogSelector({ ...e, stages: [] })];
  for (const group of groupLineFilters(e.stages)) lines.push(prettyStageGroup(group, level + 1));
  return lines.join('\n');
}

/** Consecutive line filters form one stage in Loki's tree (a nested `LineFilterExpr`). */
function groupLineFilters(stages: readonly Stage[]): Stage[][] {
  const groups: Stage[][] = [];
  for (const s of stages) {
    const last = groups.at(-1);
    if (s.kind === 'line_filter' && last !== undefined && last[0]!.kind === 'line_filter') last.push(s);
    else groups.push([s]);
  }
  return groups;
}

function prettyStageGroup(group: readonly Stage[], level: number): string {
  const oneLine = formatLogSelector({ kind: 'log_selector', matchers: [], stages: group }).slice('{} '.length);
  if (group[0]!.kind === 'decolorize') return oneLine;
  if (group[0]!.kind !== 'line_filter' || fits(oneLine)) return indent(level) + oneLine;
  return group
    .map((s) => indent(level) + formatLogSelector({ kind: 'log_selector', matchers: [], stages: [s] }).slice('{} '.length))
    .join('\n');
}

function prettyLogRange(r: LogRange, level: number): string {
  let s = prettyLog(r.selector, level);
  if (r.unwrap !== undefined) {
    const u = r.unwrap;
    const target = u.conversion === '' ? u.label : `${u.conversion}(${u.label})`;
    s += `\n${indent(level + 1)}| unwrap ${target}`;
    s += u.postFilters.map((f: LabelFilter) => `\n${indent(level + 1)}| ${formatLabelFilter(f)}`).join('');
  }
  s += ` [${formatPromDurationMs(r.rangeMs)}]`;
  if (r.offsetMs !== 0) s += ` offset ${formatPromDurationMs(r.offsetMs)}`;
  return s;
}

function prettyGrouping(g: Grouping | undefined): string {
  if (g === undefined) return '';
  let s = g.without ? ' without' : g.labels.length > 0 ? ' by' : '';
  if (g.labels.length > 0) s += ` (${g.labels.join(', ')})`;
  return s;
}

function prettySample(e: SampleExpr, level: number): string {
  const oneLine = formatLogQL(e);
  if (fits(oneLine) || e.kind === 'literal' || e.kind === 'vector') return indent(level) + oneLine;
  switch (e.kind) {
    case 'range_aggregation': {
      let s = `${indent(level)}${e.op}(\n`;
      if (e.param !== undefined) s += `${indent(level + 1)}${goFloat(e.param)},\n`;
      s += prettyLogRange(e.range, level + 1);
      return `${s}\n${indent(level)})${prettyGrouping(e.grouping)}`;
    }
    case 'vector_aggregation': {
      const params = [prettySample(e.expr, level + 1)];
      if (e.param !== undefined) params.unshift(`${indent(level + 1)}${e.param}`);
      return `${indent(level)}${e.op}${prettyGrouping(e.grouping)}(\n${params.join(',\n')}\n${indent(level)})`;
    }
    case 'binary':
      return `${prettySample(e.lhs, level + 1)}\n${indent(level)}${prettyBinaryOp(e.op, e.returnBool, e.matching)}\n${prettySample(e.rhs, level + 1)}`;
    case 'label_replace': {
      const params = [
        prettySample(e.expr, level + 1),
        ...[e.dst, e.replacement, e.src, e.regex].map((v) => indent(level + 1) + goQuote(v)),
      ];
      return `${indent(level)}label_replace(\n${params.join(',\n')}\n${indent(level)})`;
    }
  }
}

function prettyBinaryOp(op: string, returnBool: boolean, m: VectorMatching | undefined): string {
  let s = returnBool ? `${op} bool` : op;
  if (m === undefined) return s;
  let group = m.card === 'many-to-one' ? 'group_left' : m.card === 'one-to-many' ? 'group_right' : '';
  if (m.include !== undefined && m.include.length > 0) group = `${group} (${m.include.join(', ')})`;
  if (m.labels !== undefined && m.labels.length > 0) s = `${s} ${m.on ? 'on' : 'ignoring'} (${m.labels.join(', ')}) ${group}`;
  return s;
}
