/**
 * Where the line parsers (`./parsers/`) meet the label builder: the rules that Loki's
 * parsers apply to every extracted key, kept here once for all of them.
 *
 * - A key that a stream label or a structured metadata label already has becomes
 *   `<key>_extracted` (so the base name keeps the stream, then metadata, value, and the
 *   `_extracted` name holds the parsed value over a metadata one).
 * - The first value of a key wins: within one parser run and across later parser stages
 *   of the same entry (Loki records extracted keys and skips them afterwards).
 * - A parse failure sets `__error__` (and `__error_details__` when Loki gives details)
 *   and keeps the line and the fields found before the failure.
 */
import type { JsonStage, LogfmtStage, PatternStage, RegexpStage } from '../ast.js';
import { badData, isCairnError } from '../../util/errors.js';
import {
  jsonExpressionParser,
  jsonParser,
  logfmtExpressionParser,
  logfmtParser,
  patternParser,
  regexpParser,
  unpackParser,
} from './parsers/index.js';
import type { FieldSink, LineParser, ParseFailure, ParseOptions, UnpackLineParser } from './parsers/types.js';
import { Category, DUPLICATE_SUFFIX, type LabelsBuilder } from './labels-builder.js';
import type { CompiledStage, EntryState } from './stages.js';

/** Builds a parser, turning its compile errors into 400s with the parser's message. */
function build<T>(make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (isCairnError(e)) throw e;
    throw badData('invalid_parser', (e as Error).message);
  }
}

/**
 * The sink and options that apply Loki's key rules to one stream's builder; `wanted`, the
 * parser hints, is passed on to the parser.
 */
function bindSink(b: LabelsBuilder, wanted: ((key: string) => boolean) | undefined): { sink: FieldSink; options: ParseOptions } {
  const sink: FieldSink = (key, value) => {
    const k = b.baseHas(key) || b.hasMetadata(key) ? key + DUPLICATE_SUFFIX : key;
    if (b.wasExtracted(k)) return;
    b.set(Category.Parsed, k, value);
  };
  const absent = (key: string): void => {
    if (b.get(key) === undefined) b.set(Category.Parsed, key, '');
  };
  return { sink, options: wanted === undefined ? { absent } : { absent, wanted } };
}

function applyFailure(b: LabelsBuilder, f: ParseFailure | undefined): void {
  if (f === undefined) return;
  b.err = f.type;
  if (f.details !== '') b.errDetails = f.details;
}

function parserStage(parser: LineParser, wanted: ((key: string) => boolean) | undefined): CompiledStage {
  return {
    bind: (s: EntryState) => {
      const { sink, options } = bindSink(s.b, wanted);
      return () => {
        applyFailure(s.b, parser.parse(s.line, sink, options));
        return true;
      };
    },
  };
}

/** `| json` or `| json a="x.y", …`. Throws a 400 for an expression that does not parse. */
export function jsonStage(stage: JsonStage, wanted?: (key: string) => boolean): CompiledStage {
  return parserStage(build(() => (stage.params.length === 0 ? jsonParser() : jsonExpressionParser(stage.params))), wanted);
}

/** `| logfmt [--strict] [--keep-empty] [a="x", …]`. */
export function logfmtStage(stage: LogfmtStage, wanted?: (key: string) => boolean): CompiledStage {
  const flags = { strict: stage.strict, keepEmpty: stage.keepEmpty };
  return parserStage(
    build(() => (stage.params.length === 0 ? logfmtParser(flags) : logfmtExpressionParser(stage.params, flags))),
    wanted,
  );
}

/** `| regexp "…"`. Throws a 400 for an invalid regex or one without named captures. */
export function regexpStage(stage: RegexpStage, wanted?: (key: string) => boolean): CompiledStage {
  return parserStage(build(() => regexpParser(stage.pattern)), wanted);
}

/** `| pattern "…"`. Throws a 400 for an invalid pattern or one without captures. */
export function patternStage(stage: PatternStage, wanted?: (key: string) => boolean): CompiledStage {
  return parserStage(build(() => patternParser(stage.pattern)), wanted);
}

/** `| unpack`: fields become labels and a packed `_entry` replaces the line. */
export function unpackStage(wanted?: (key: string) => boolean): CompiledStage {
  const parser: UnpackLineParser = unpackParser();
  return {
    bind: (s: EntryState) => {
      const { sink, options } = bindSink(s.b, wanted);
      return () => {
        const r = parser.parse(s.line, sink, options);
        s.line = r.line;
        applyFailure(s.b, r.failure);
        return true;
      };
    },
  };
}
