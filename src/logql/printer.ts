/**
 * Prints a LogQL AST in Loki's canonical form, the text of its `String()` methods
 * (`pkg/logql/syntax/ast.go`, `pkg/logql/log/label_filter.go`), which `format_query`
 * returns: binary operations fully parenthesised, label filter `and` written as ` , `,
 * ranges as Prometheus durations, offsets and duration filters as Go durations (`5m0s`).
 *
 * Round trip: `parseLogQL(formatLogQL(e))` equals `e` for every tree the parser builds.
 * Three places differ from Loki to keep that promise: a byte filter prints as Loki's
 * humanized size (`1.0kB`) only when that reads back to the same number of bytes, else as
 * plain bytes (`1024B`; Loki would print the lossy `1.0kB`); a bare `group_left` before a
 * parenthesised right-hand side prints as `group_left ()` (Loki's text would not parse);
 * and regex label filters print with double quotes even where Loki would use backticks.
 */
import type {
  Grouping,
  LabelFilter,
  LabelMatcher,
  LabelSelection,
  LogQLExpr,
  LogRange,
  LogSelectorExpr,
  SampleExpr,
  Stage,
  Unwrap,
} from './ast.js';
import { parseBytes } from './go-convert.js';
import { formatGoDurationNs, formatPromDurationMs, goFloat, goFloatPlain, goQuote, humanizeBytes } from './go-text.js';

/** Loki's `String()` of a query. Never throws for trees the parser builds. */
export function formatLogQL(expr: LogQLExpr): string {
  return expr.kind === 'log_selector' ? formatLogSelector(expr) : formatSample(expr);
}

/** `name="value"`, as Prometheus's `Matcher.String()`. */
export function formatMatcher(m: LabelMatcher): string {
  return `${m.name}${m.type}${goQuote(m.value)}`;
}

/** A log query: the selector, then each stage separated by a space. */
export function formatLogSelector(e: LogSelectorExpr): string {
  const selector = `{${e.matchers.map(formatMatcher).join(', ')}}`;
  if (e.stages.length === 0) return selector;
  return `${selector} ${e.stages.map(formatStage).join(' ')}`;
}

function formatStage(s: Stage): string {
  switch (s.kind) {
    case 'line_filter':
      return `${s.op} ${s.matches.map((m) => (m.ip ? `ip(${goQuote(m.value)})` : goQuote(m.value))).join(' or ')}`;
    case 'json':
      return s.params.length === 0 ? '| json' : `| json ${formatParams(s.params)}`;
    case 'logfmt': {
      if (s.params.length === 0) return `| logfmt${s.strict ? ' --strict' : ''}${s.keepEmpty ? ' --keep-empty' : ''}`;
      return `| logfmt ${s.strict ? '--strict ' : ''}${s.keepEmpty ? '--keep-empty ' : ''}${formatParams(s.params)}`;
    }
    case 'regexp':
    case 'pattern':
      return `| ${s.kind} ${goQuote(s.pattern)}`;
    case 'unpack':
    case 'decolorize':
      return `| ${s.kind}`;
    case 'line_format':
      return `| line_format ${goQuote(s.template)}`;
    case 'label_format':
      return `| label_format ${s.formats.map((f) => `${f.name}=${f.rename ? f.value : goQuote(f.value)}`).join(',')}`;
    case 'drop':
    case 'keep':
      return `| ${s.kind} ${s.labels.map(formatSelection).join(',')}`;
    case 'label_filter':
      return `| ${formatLabelFilter(s.filter)}`;
  }
}

function formatParams(params: readonly { label: string; expression: string }[]): string {
  return params.map((p) => `${p.label}=${goQuote(p.expression)}`).join(',');
}

function formatSelection(l: LabelSelection): string {
  return l.matcher !== undefined ? formatMatcher(l.matcher) : l.name;
}

/** A label filter as Loki prints it: `status>=400`, `( a , b )`, `( a or b )`. */
export function formatLabelFilter(f: LabelFilter): string {
  switch (f.kind) {
    case 'string':
      return formatMatcher(f.matcher);
    case 'number':
      return `${f.name}${f.op}${goFloatPlain(f.value)}`;
    case 'duration':
      return `${f.name}${f.op}${formatGoDurationNs(f.valueNs)}`;
    case 'bytes': {
      // Zero: Loki prints `0B`, which Go's scanner (and ours) reads as a binary literal.
      if (f.bytes === 0) return `${f.name}${f.op}0kB`;
      const human = humanizeBytes(f.bytes);
      return `${f.name}${f.op}${parseBytes(human) === f.bytes ? human : `${f.bytes}B`}`;
    }
    case 'ip':
      return `${f.name}${f.op === '==' ? '=' : '!='}ip(${goQuote(f.pattern)})`;
    case 'and':
      return `( ${formatLabelFilter(f.left)} , ${formatLabelFilter(f.right)} )`;
    case 'or':
      return `( ${formatLabelFilter(f.left)} or ${formatLabelFilter(f.right)} )`;
  }
}

function formatUnwrap(u: Unwrap): string {
  const target = u.conversion === '' ? u.label : `${u.conversion}(${u.label})`;
  return ` | unwrap ${target}${u.postFilters.map((f) => ` | ${formatLabelFilter(f)}`).join('')}`;
}

function formatLogRange(r: LogRange): string {
  let out = formatLogSelector(r.selector);
  if (r.unwrap !== undefined) out += formatUnwrap(r.unwrap);
  out += `[${formatPromDurationMs(r.rangeMs)}]`;
  if (r.offsetMs !== 0) out += ` offset ${formatGoDurationNs(r.offsetMs * 1e6)}`;
  return out;
}

function formatGrouping(g: Grouping): string {
  return ` ${g.without ? 'without' : 'by'} (${g.labels.join(',')})`;
}

function formatSample(e: SampleExpr): string {
  switch (e.kind) {
    case 'range_aggregation': {
      const param = e.param !== undefined ? `${goFloatPlain(e.param)},` : '';
      const grouping = e.grouping !== undefined ? formatGrouping(e.grouping) : '';
      return `${e.op}(${param}${formatLogRange(e.range)})${grouping}`;
    }
    case 'vector_aggregation': {
      const singleton = e.grouping === undefined || (!e.grouping.without && e.grouping.labels.length === 0);
      const grouping = singleton ? '' : formatGrouping(e.grouping!);
      const param = e.param !== undefined ? `${e.param},` : '';
      return `${e.op}${grouping}(${param}${formatSample(e.expr)})`;
    }
    case 'binary': {
      let op: string = e.op;
      if (e.returnBool) op += ' bool';
      const m = e.matching;
      // Loki prints the matching clause only for `on (…)` or a non-empty `ignoring (…)`.
      if (m !== undefined && (m.on || m.labels !== undefined)) {
        let group = m.card === 'many-to-one' ? 'group_left' : m.card === 'one-to-many' ? 'group_right' : '';
        const rhs = formatSample(e.rhs);
        if (m.include !== undefined) group = `${group} (${m.include.join(',')})`;
        // Loki prints `group_left (a + b)` here, which reads back as an include list and
        // fails; `group_left () (a + b)` means what the tree says.
        else if (group !== '' && rhs.startsWith('(')) group = `${group} ()`;
        op += ` ${m.on ? 'on' : 'ignoring'} (${(m.labels ?? []).join(',')}) ${group}`;
        return `(${formatSample(e.lhs)} ${op} ${rhs})`;
      }
      return `(${formatSample(e.lhs)} ${op} ${formatSample(e.rhs)})`;
    }
    case 'literal':
      return goFloat(e.value);
    case 'vector':
      return `vector(${e.value.toFixed(6)})`;
    case 'label_replace':
      return `label_replace(${formatSample(e.expr)},${goQuote(e.dst)},${goQuote(e.replacement)},${goQuote(e.src)},${goQuote(e.regex)})`;
  }
}
