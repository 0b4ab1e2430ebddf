/**
 * Compiles a log query's stages into a LogPipeline (Loki's `pkg/logql/log/pipeline.go`).
 *
 * Per entry: reset the stream's LabelsBuilder, add the entry's structured metadata, run
 * the stages in order (any may drop the entry), then hand out the label set, built once
 * per distinct set and cached. Pipelines of line filters only skip all of that: the entry
 * keeps the stream's own label array and key when it has no structured metadata.
 *
 * The line filters that run before the first stage that rewrites the line (`line_format`,
 * `decolorize`, `unpack`) see the stored line, so they are also offered to the store as a
 * pre-filter (`StorePushdown`).
 */
import type { Stage } from '../ast.js';
import type { Label, Labels } from '../../model/labels.js';
import { decolorize } from './parsers/index.js';
import { compileLabelFilter } from './label-filter.js';
import { LabelsBuilder, type LabelsResult } from './labels-builder.js';
import { allOf, compileLineFilter, needleOf, type LineTest } from './line-filter.js';
import { jsonStage, logfmtStage, patternStage, regexpStage, unpackStage } from './parser-stage.js';
import { dropStage, keepStage, labelFormatStage, lineFormatStage, type CompiledStage, type EntryState, type StageRunner } from './stages.js';
import type { LogPipeline, ProcessedEntry, StorePushdown, StreamPipeline } from './types.js';

/**
 * Compiles one AST stage. Throws a `bad_data` CairnError for anything Loki refuses to build.
 * `wanted`, when given, tells the parsers which keys are needed at all (parser hints).
 */
function compileStage(stage: Stage, wanted?: (key: string) => boolean): CompiledStage {
  switch (stage.kind) {
    case 'line_filter': {
      const test = compileLineFilter(stage);
      return { bind: (s) => () => test(s.line) };
    }
    case 'label_filter': {
      const test = compileLabelFilter(stage.filter);
      return { bind: (s) => () => test(s.b) };
    }
    case 'json':
      return jsonStage(stage, wanted);
    case 'logfmt':
      return logfmtStage(stage, wanted);
    case 'regexp':
      return regexpStage(stage, wanted);
    case 'pattern':
      return patternStage(stage, wanted);
    case 'unpack':
      return unpackStage(wanted);
    case 'decolorize':
      return {
        bind: (s) => () => {
          s.line = decolorize(s.line);
          return true;
        },
      };
    case 'line_format':
      return lineFormatStage(stage);
    case 'label_format':
      return labelFormatStage(stage);
    case 'drop':
      return dropStage(stage);
    case 'keep':
      return keepStage(stage);
  }
}

/** Compiles every stage of a list, in order, with optional parser hints (see `compileStage`). */
export function compileLogPipelineStages(stages: readonly Stage[], wanted?: (key: string) => boolean): CompiledStage[] {
  return stages.map((s) => compileStage(s, wanted));
}

/** Whether a stage may replace the line, so later line filters no longer see the stored one. */
function changesLine(stage: Stage): boolean {
  return stage.kind === 'line_format' || stage.kind === 'decolorize' || stage.kind === 'unpack';
}

/** Indexes of the line filters the store can run: those before the first line rewrite. */
function pushedFilters(stages: readonly Stage[]): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < stages.length; i++) {
    const stage = stages[i]!;
    if (changesLine(stage)) break;
    if (stage.kind === 'line_filter') out.add(i);
  }
  return out;
}

/** The store pre-filter of a stage list: its line filters before the first line rewrite. */
export function storePushdown(stages: readonly Stage[]): StorePushdown {
  const tests: LineTest[] = [];
  const needles: string[] = [];
  let exact = true;
  for (const i of pushedFilters(stages)) {
    const stage = stages[i] as Extract<Stage, { kind: 'line_filter' }>;
    tests.push(compileLineFilter(stage));
    const needle = needleOf(stage);
    if (needle !== undefined) needles.push(needle);
    else exact = false;
  }
  const lineFilter = allOf(tests);
  return lineFilter === undefined ? { needles } : { lineFilter, needles, needlesExact: exact };
}

/**
 * The stages left to run on entries the store already filtered with the pushdown: the
 * pushed line filters drop out (they only drop lines, and see the stored line wherever
 * they stand before the first rewrite, so running them earlier changes nothing).
 */
export function withoutPushedFilters(stages: readonly Stage[]): Stage[] {
  const pushed = pushedFilters(stages);
  return stages.filter((_, i) => !pushed.has(i));
}

/**
 * A pipeline's stages bound to one stream: runs an entry through them and leaves the
 * outcome in the builder and `state.line`. Shared by log pipelines and sample extractors.
 */
export class BoundStages {
  readonly builder: LabelsBuilder;
  readonly state: EntryState;
  private readonly runners: readonly StageRunner[];

  constructor(stages: readonly CompiledStage[], streamLabels: Labels) {
    this.builder = new LabelsBuilder(streamLabels);
    this.state = { line: '', tMs: 0, tNs: 0, b: this.builder };
    this.runners = stages.map((s) => s.bind(this.state));
  }

  /** Runs every stage; false when one dropped the entry. */
  run(tMs: number, tNs: number, line: string, metadata: readonly Label[]): boolean {
    const b = this.builder;
    b.reset();
    if (metadata.length > 0) b.addMetadata(metadata);
    const s = this.state;
    s.line = line;
    s.tMs = tMs;
    s.tNs = tNs;
    for (const r of this.runners) if (!r()) return false;
    return true;
  }
}

/** A reusable ProcessedEntry: valid until the next `process` call, as the contract allows. */
class Entry implements ProcessedEntry {
  line = '';
  labels: Labels = [];
  key = '';
  stream: Labels = [];
  structuredMetadata: Labels = [];
  parsed: Labels = [];

  fill(line: string, r: LabelsResult): this {
    this.line = line;
    this.labels = r.labels;
    this.key = r.key;
    this.stream = r.stream;
    this.structuredMetadata = r.structuredMetadata;
    this.parsed = r.parsed;
    return this;
  }
}

/** Compiles the stages of a log query. Throws a `bad_data` CairnError with Loki's text for an invalid stage. */
export function compileLogPipeline(stages: readonly Stage[]): LogPipeline {
  const full = compileLogPipelineStages(stages);
  const rest = compileLogPipelineStages(withoutPushedFilters(stages));
  const pushdown = storePushdown(stages);
  const onlyLineFilters = stages.every((s) => s.kind === 'line_filter');
  const lineTest = onlyLineFilters ? allOf(stages.map((s) => compileLineFilter(s as Extract<Stage, { kind: 'line_filter' }>))) : undefined;

  return {
    ...pushdown,
    forStream(streamLabels: Labels, prefiltered = false): StreamPipeline {
      const bound = new BoundStages(prefiltered ? rest : full, streamLabels);
      // Every filter of a line-filter-only pipeline is pushed down.
      const test = prefiltered ? undefined : lineTest;
      const entry = new Entry();
      const base = bound.builder.baseResult;
      if (onlyLineFilters) {
        // No stage touches labels: the result is the stream's own labels unless the
        // entry brings structured metadata.
        return {
          process(tMs, tNs, line, metadata) {
            if (test !== undefined && !test(line)) return undefined;
            if (metadata.length === 0) return entry.fill(line, base);
            const b = bound.builder;
            b.reset();
            b.addMetadata(metadata);
            return entry.fill(line, b.result());
          },
        };
      }
      return {
        process(tMs, tNs, line, metadata) {
          if (!bound.run(tMs, tNs, line, metadata)) return undefined;
          return entry.fill(bound.state.line, bound.builder.result());
        },
      };
    },
  };
}
