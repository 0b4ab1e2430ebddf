/**
 * Sample extraction for metric queries (Loki's `pkg/logql/log/metrics_extraction.go` and
 * `syntax/extractor.go`): the value of an entry is 1 (`count_over_time`, `rate`,
 * `absent_over_time`), the line's UTF-8 bytes (`bytes_over_time`, `bytes_rate`), or the
 * converted value of an unwrapped label.
 *
 * Loki's rules kept here:
 * - `line_format` stages are dropped when the value ignores the line and no parser or line
 *   filter follows them (Loki's `removeLineformat`), so their templates are not even built.
 * - An unwrapped label that is absent or empty yields no sample. A value that does not
 *   convert yields a sample of 0 with `SampleExtractionErr`, then the post-unwrap filters
 *   run (`| __error__=""` drops it).
 * - Series labels: `by (…)` keeps only those labels; otherwise the unwrapped label is
 *   removed (with the `without` labels). `by ()` and `absent_over_time` keep none. An
 *   entry with `__error__` keeps all its labels, so the error reaches the engine.
 */
import type { LabelFilter, RangeAggregationExpr, Stage } from '../ast.js';
import type { Labels } from '../../model/labels.js';
import { goParseBytes, goParseDuration, goParseFloat, type ConvertError } from '../go-convert.js';
import { compileLabelFilter, type LabelTest } from './label-filter.js';
import { ERR_SAMPLE_EXTRACTION, type LabelsResult } from './labels-builder.js';
import { BoundStages, compileLogPipelineStages, storePushdown, withoutPushedFilters } from './pipeline.js';
import type { ExtractedSample, SampleExtractor, StreamSampleExtractor } from './types.js';

/** A reusable ExtractedSample: valid until the next `process` call. */
class Sample implements ExtractedSample {
  value = 0;
  labels: Labels = [];
  key = '';

  fill(value: number, r: LabelsResult): this {
    this.value = value;
    this.labels = r.labels;
    this.key = r.key;
    return this;
  }
}

/** Loki's `removeLineformat`: drops `line_format` stages nothing downstream can observe. */
function elideLineFormat(stages: readonly Stage[]): Stage[] {
  return stages.filter((s, i) => {
    if (s.kind !== 'line_format') return true;
    return stages.slice(i).some((t) => t.kind === 'line_filter' || PARSERS.has(t.kind));
  });
}

const PARSERS = new Set<Stage['kind']>(['json', 'logfmt', 'regexp', 'pattern', 'unpack']);

/** Stages that read or keep labels by name at run time: with them, parsers must extract everything. */
const READS_ANY_LABEL = new Set<Stage['kind']>(['line_format', 'label_format', 'drop', 'keep']);

function filterLabelNames(f: LabelFilter, out: Set<string>): void {
  switch (f.kind) {
    case 'and':
    case 'or':
      filterLabelNames(f.left, out);
      filterLabelNames(f.right, out);
      return;
    case 'string':
      out.add(f.matcher.name);
      return;
    default:
      out.add(f.name);
  }
}

/**
 * Loki's parser hints (`log.NewParserHint`): when the series keep only some labels
 * (`by (…)`, or none), the parsers need to extract only those and the labels that label
 * filters and `unwrap` read; every other key is skipped. Undefined (extract everything)
 * when the series keep all labels (no grouping, `without`) or a stage reads labels by
 * name at run time (templates, `drop`, `keep`). A key is wanted also when its
 * `_extracted` form is.
 */
export function parserHints(stages: readonly Stage[], expr: RangeAggregationExpr, noLabels: boolean): ((key: string) => boolean) | undefined {
  const g = expr.grouping;
  if (!noLabels && (g === undefined || g.without)) return undefined;
  if (stages.some((s) => READS_ANY_LABEL.has(s.kind))) return undefined;
  const required = new Set<string>(noLabels ? [] : g!.labels);
  for (const s of stages) if (s.kind === 'label_filter') filterLabelNames(s.filter, required);
  const u = expr.range.unwrap;
  if (u !== undefined) {
    required.add(u.label);
    for (const f of u.postFilters) filterLabelNames(f, required);
  }
  return (key) => required.has(key) || required.has(key + '_extracted');
}

/** The unwrap conversions: Go's ParseFloat, humanize bytes, Go durations in seconds. */
function converter(conversion: '' | 'bytes' | 'duration' | 'duration_seconds'): (v: string) => number | ConvertError {
  switch (conversion) {
    case '':
      return goParseFloat;
    case 'bytes':
      return goParseBytes;
    case 'duration':
    case 'duration_seconds':
      return (v) => {
        const ns = goParseDuration(v);
        return typeof ns === 'number' ? ns / 1e9 : ns;
      };
  }
}

function andAll(filters: readonly LabelFilter[]): LabelTest | undefined {
  if (filters.length === 0) return undefined;
  const tests = filters.map(compileLabelFilter);
  // Loki reduces the post filters with `and`, which runs every side.
  return (b) => {
    let ok = true;
    for (const t of tests) if (!t(b)) ok = false;
    return ok;
  };
}

/**
 * Compiles the extractor of one range aggregation. Throws a `bad_data` CairnError with
 * Loki's text for an invalid stage.
 */
export function compileSampleExtractor(expr: RangeAggregationExpr): SampleExtractor {
  const op = expr.op;
  const lineBytes = op === 'bytes_over_time' || op === 'bytes_rate';
  const allStages = expr.range.selector.stages;
  const stages = lineBytes ? allStages : elideLineFormat(allStages);
  let groups = [...(expr.grouping?.labels ?? [])].sort();
  let without = expr.grouping?.without ?? false;
  const noLabels = (expr.grouping !== undefined && groups.length === 0) || op === 'absent_over_time';
  const wanted = parserHints(stages, expr, noLabels);
  const full = compileLogPipelineStages(stages, wanted);
  const restStages = withoutPushedFilters(stages);
  const rest = compileLogPipelineStages(restStages, wanted);
  const pushdown = storePushdown(stages);
  // Only line filters (or nothing) to run: an entry without structured metadata has the
  // stream's own labels, so its series labels are worked out once per stream.
  const labelsFixed = (prefiltered: boolean) => (prefiltered ? restStages : stages).every((st) => st.kind === 'line_filter');

  const unwrap = expr.range.unwrap;
  if (unwrap === undefined) {
    return {
      ...pushdown,
      linesUnused: !lineBytes && restStages.length === 0,
      forStream(streamLabels: Labels, prefiltered = false): StreamSampleExtractor {
        const bound = new BoundStages(prefiltered ? rest : full, streamLabels);
        const sample = new Sample();
        const fixed = labelsFixed(prefiltered);
        let streamResult: LabelsResult | undefined;
        return {
          process(tMs, tNs, line, metadata) {
            if (!bound.run(tMs, tNs, line, metadata)) return undefined;
            const v = lineBytes ? Buffer.byteLength(bound.state.line, 'utf8') : 1;
            if (fixed && metadata.length === 0) return sample.fill(v, (streamResult ??= bound.builder.grouped(groups, without, noLabels)));
            return sample.fill(v, bound.builder.grouped(groups, without, noLabels));
          },
        };
      },
    };
  }

  const convert = converter(unwrap.conversion);
  const post = andAll(unwrap.postFilters);
  const label = unwrap.label;
  if (groups.length === 0 || without) {
    without = true;
    groups = [...groups, label].sort();
  }
  return {
    ...pushdown,
    forStream(streamLabels: Labels, prefiltered = false): StreamSampleExtractor {
      const bound = new BoundStages(prefiltered ? rest : full, streamLabels);
      const sample = new Sample();
      return {
        process(tMs, tNs, line, metadata) {
          if (!bound.run(tMs, tNs, line, metadata)) return undefined;
          const b = bound.builder;
          const text = b.get(label);
          // Loki: a line without the label (or with it empty) is not a sample.
          if (text === undefined || text === '') return undefined;
          let v = 0;
          const x = convert(text);
          if (typeof x === 'number') v = x;
          else b.setError(ERR_SAMPLE_EXTRACTION, x.error);
          if (post !== undefined && !post(b)) return undefined;
          return sample.fill(v, b.grouped(groups, without, noLabels));
        },
      };
    },
  };
}
