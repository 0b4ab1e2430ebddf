/**
 * The one error the LogQL parser throws, worded as Loki's `logqlmodel.ParseError`:
 * `parse error at line L, col C: <message>` for errors with a position (syntax errors,
 * bad tokens), and `parse error : <message>` for the checks Loki runs after building the
 * tree (it reports them at line 0, col 0). Lines and columns are 1-based and count code
 * points, as Go's `text/scanner` does; the column is where the offending token starts.
 * For some tokens Loki reports line 0 with a real column (see {@link parseErrorAt}).
 */
import { CairnError } from '../util/errors.js';

/** A LogQL syntax or validation error: kind `bad_data`, reason `parse_error`. */
export class LogQLParseError extends CairnError {
  /** 1-based line of the offending token; 0 for errors Loki reports without a position. */
  readonly line: number;
  /** 1-based column (code points) of the offending token; 0 without a position. */
  readonly col: number;
  /** The message without the `parse error …:` prefix. */
  readonly detail: string;

  constructor(detail: string, line: number, col: number) {
    const message =
      line === 0 && col === 0 ? `parse error : ${detail}` : `parse error at line ${line}, col ${col}: ${detail}`;
    super('bad_data', 'parse_error', message);
    this.name = 'LogQLParseError';
    this.line = line;
    this.col = col;
    this.detail = detail;
  }
}

/** Line and column (1-based, code points) of a UTF-16 offset into `input`. */
export function lineCol(input: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < input.length; i++) {
    if (input.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  const col = [...input.slice(lineStart, offset)].length + 1;
  return { line, col };
}

/**
 * A positioned error at `offset` in `input`. With `lineZero` the line reads 0, as Loki
 * reports it for tokens its lexer completes with `Scanner.Next()` (ranges, durations,
 * sizes, parser flags, two-character operators): `Next()` clears the token's line but
 * keeps its column.
 */
export function parseErrorAt(input: string, offset: number, detail: string, lineZero = false): LogQLParseError {
  const { line, col } = lineCol(input, offset);
  return new LogQLParseError(detail, lineZero ? 0 : line, col);
}

/** An error Loki reports without a position (`parse error : …`). */
export function parseErrorNoPos(detail: string): LogQLParseError {
  return new LogQLParseError(detail, 0, 0);
}
