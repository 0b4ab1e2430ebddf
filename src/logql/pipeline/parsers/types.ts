/**
 * The seam between LogQL's line parsers (`| json`, `| logfmt`, `| regexp`, `| pattern`,
 * `| unpack`) and the pipeline that runs them (Loki's `pkg/logql/log/parser.go`). A parser
 * is a pure function of the line: it reports fields to a sink and never sees the label
 * builder, so the label rules live in one place (the pipeline).
 *
 * Lines are JS strings. Every parser here only branches on ASCII characters, so scanning
 * UTF-16 units gives the same splits as Loki's byte scans over UTF-8; where Loki reports a
 * byte position (logfmt's error details) the position is converted back to UTF-8 bytes.
 */

/**
 * Receives each extracted field: `key` already sanitised as Loki does (trim, invalid chars →
 * '_', leading digit → '_' prefix, json nested keys joined with '_'), `value` as a string.
 * The pipeline applies the `_extracted` rename (key clashes with a stream label / structured
 * metadata) and the first-value-wins rule, NOT the parser. Returns nothing.
 */
export type FieldSink = (key: string, value: string) => void;

/**
 * A parse failure: Loki sets `__error__=<type>` and `__error_details__=<details>` but keeps
 * the line and the fields extracted before the failure. `details` is the empty string when
 * Loki sets no `__error_details__` at all (`| json a="b"` on a line that does not start
 * like JSON).
 */
export interface ParseFailure {
  readonly type: 'JSONParserErr' | 'LogfmtParserErr' | string;
  readonly details: string;
}

/** Loki's `__error__` value for json / unpack failures (`errJSON`). */
export const JSON_PARSER_ERR = 'JSONParserErr';
/** Loki's `__error__` value for `logfmt --strict` failures (`errLogfmt`). */
export const LOGFMT_PARSER_ERR = 'LogfmtParserErr';

/**
 * Optional per-call hints and callbacks. Every member is optional; a parser that ignores
 * one stays correct.
 */
export interface ParseOptions {
  /**
   * Says whether a (sanitised, not yet `_extracted`-renamed) key is needed at all, so a
   * parser may skip decoding its value (Loki's parser label hints). Optional to honour:
   * returning true for every key is always correct.
   */
  readonly wanted?: (key: string) => boolean;
  /**
   * For the expression parsers (`| json a="x"`, `| logfmt a="x"`): called for each
   * requested label whose path was not found. Loki then adds `key=""` only when no label
   * of that exact name exists yet (stream, metadata or parsed); it never makes a
   * `key_extracted` for it. Without this callback the parser calls `sink(key, "")` instead.
   */
  readonly absent?: (key: string) => void;
}

/** A compiled line parser. Stateless between calls; safe to share across streams. */
export interface LineParser {
  /**
   * Extracts fields from `line` into `sink`, in the order Loki sets them; returns a failure
   * or undefined. `options.wanted(key)`, when given, says whether a (sanitised) key is
   * needed at all, so parsers may skip work (Loki's parser label hints) — optional to honour.
   */
  parse(line: string, sink: FieldSink, options?: ParseOptions): ParseFailure | undefined;
}

/** What `| unpack` returns: the line may be replaced by the packed `_entry`. */
export interface UnpackResult {
  /** The `_entry` value when the line was a packed entry, else the input line unchanged. */
  readonly line: string;
  readonly failure?: ParseFailure;
}

/**
 * `| unpack` (Promtail `pack`): like a LineParser, but it may also replace the line. The
 * fields reach `sink` only when the object held an `_entry` string, as in Loki.
 */
export interface UnpackLineParser {
  parse(line: string, sink: FieldSink, options?: ParseOptions): UnpackResult;
}
