/**
 * The one error the PromQL parser throws, with Prometheus's text: `<line>:<col>: parse error:
 * <message>` (`promql/parser/parse.go`, `ParseErr.Error()`). Columns count UTF-8 bytes from
 * the start of the line, 1-based, as Go does; the position range itself is in UTF-16 offsets
 * like every `PosRange` of the AST.
 */
import { CairnError } from '../../util/errors.js';
import type { PosRange } from '../ast.js';
import { byteLength } from './go-format.js';

/** A PromQL syntax or type error: kind `bad_data`, reason `parse_error`. */
export class ParseError extends CairnError {
  /** Where in the query the error is, `[start, end)` UTF-16 offsets. */
  readonly positionRange: PosRange;

  /** `message` is the complete text, position prefix included (see {@link parseErrorAt}). */
  constructor(message: string, positionRange: PosRange) {
    super('bad_data', 'parse_error', message);
    this.name = 'ParseError';
    this.positionRange = positionRange;
  }
}

/** `line:col:` of an offset into `query`, as Prometheus prints it (col in bytes, 1-based). */
export function positionPrefix(query: string, offset: number): string {
  if (offset < 0 || offset > query.length) return 'invalid position:';
  const before = query.slice(0, offset);
  let line = 1;
  for (let i = before.indexOf('\n'); i !== -1; i = before.indexOf('\n', i + 1)) line++;
  const lastBreak = before.lastIndexOf('\n');
  const col = byteLength(before.slice(lastBreak + 1)) + 1;
  return `${line}:${col}:`;
}

/** A ParseError for `query` at `range` with Prometheus's message layout. */
export function parseErrorAt(query: string, range: PosRange, message: string): ParseError {
  return new ParseError(`${positionPrefix(query, range.start)} parse error: ${message}`, range);
}
