/**
 * The LogQL lexer, following Loki's `pkg/logql/syntax/lex.go` (a Go `text/scanner` plus
 * lookahead rules) so that the same inputs give the same tokens:
 *
 * - a number directly followed by duration units is a DURATION (`5m`, `1.5s`, `1h30m`),
 *   else one followed by size units is BYTES (`10KB`, `1MiB`), else a NUMBER;
 * - `[…]` is scanned whole into a RANGE (a Prometheus duration);
 * - a function name (`rate`, `sum`, `bytes`, `ip`, …) is a FUNCTION only when `(` follows,
 *   possibly after `by (…)`/`without (…)`; otherwise it is an ordinary IDENTIFIER, so
 *   `| bytes > 1KB` filters a label called `bytes`;
 * - keywords (`by`, `or`, `json`, `offset`, …) are case-insensitive and never identifiers;
 * - `--strict` and `--keep-empty` are PARSER_FLAGs; `#` starts a comment to end of line.
 *
 * Offsets are UTF-16 indexes; errors carry the offset of the token being scanned.
 */
import { parseErrorAt } from './parse-error.js';
import { parseBytes, parseLogQLDurationNs } from './go-convert.js';
import { parsePromDurationMs } from './go-text.js';

/** Token kinds; `OP` covers punctuation and operators, named by their text. */
export type TokenType =
  | 'EOF'
  | 'IDENTIFIER'
  | 'KEYWORD'
  | 'FUNCTION'
  | 'STRING'
  | 'NUMBER'
  | 'DURATION'
  | 'BYTES'
  | 'RANGE'
  | 'PARSER_FLAG'
  | 'OP'
  /** A character Loki's lexer would pass through as an identifier; the parser refuses it. */
  | 'CHAR';

/** One token with its position. */
export interface Token {
  readonly type: TokenType;
  /** Source text; for KEYWORD and FUNCTION lowercased; for OP the operator. */
  readonly text: string;
  /** UTF-16 offset of the token's first character. */
  readonly pos: number;
  /** STRING: the unquoted value. */
  readonly str?: string;
  /** DURATION: nanoseconds; RANGE: milliseconds; BYTES: bytes. */
  readonly num?: number;
}

/** Words that are always keywords (Loki's `tokens` map), compared in lower case. */
export const KEYWORDS: ReadonlySet<string> = new Set([
  'by',
  'without',
  'bool',
  'offset',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'or',
  'and',
  'unless',
  'json',
  'regexp',
  'logfmt',
  'unpack',
  'pattern',
  'label_format',
  'line_format',
  'decolorize',
  'drop',
  'keep',
  'unwrap',
]);

/** Words that are function tokens when a `(` follows (Loki's `functionTokens`). */
export const FUNCTIONS: ReadonlySet<string> = new Set([
  'rate',
  'rate_counter',
  'count_over_time',
  'bytes_rate',
  'bytes_over_time',
  'avg_over_time',
  'sum_over_time',
  'min_over_time',
  'max_over_time',
  'stdvar_over_time',
  'stddev_over_time',
  'quantile_over_time',
  'first_over_time',
  'last_over_time',
  'absent_over_time',
  'vector',
  'sum',
  'avg',
  'max',
  'min',
  'count',
  'stddev',
  'stdvar',
  'bottomk',
  'topk',
  'sort',
  'sort_desc',
  'label_replace',
  'bytes',
  'duration',
  'duration_seconds',
  'ip',
]);

/** Two-character operators, tried before the one-character ones. */
const OPS2 = new Set(['=~', '!~', '!>', '|=', '|~', '|>', '!=', '==', '>=', '<=']);
const OPS1 = new Set([',', '.', '{', '}', '=', '|', '(', ')', '+', '-', '*', '/', '%', '^', '>', '<']);

const IDENT_START = /[\p{L}_]/u;
const IDENT_PART = /[\p{L}\p{Nd}_]/u;
const DIGIT = /[0-9]/;
/** Where a number's unit suffix ends (Go's `unicode.IsSpace`). */
const SPACE = /\s/u;
/** What the scanner skips between tokens: Go's `scanner.GoWhitespace`, ASCII only. */
const SKIP = /[ \t\n\r]/;
/** Runes that may follow a number in a duration (`isDurationRune` plus digits and `.`). */
const DURATION_RUNE = /[0-9.nuµmshdwy]/u;
/** Runes that may follow a number in a byte size (`isBytesSizeRune` plus digits and `.`). */
const BYTES_RUNE = /[0-9.BikKMGTP]/;
const FLAGS = new Set(['--strict', '--keep-empty']);
/** Go's numeric literal shapes, as `text/scanner` reads them (hex, octal, binary, decimal, float). */
const NUMBER_RE = /0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?\d+)?|0[oObB][0-7_]*|(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;

/** Scans the whole input. Throws a LogQLParseError for a bad string, range or character. */
export function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = input.length;

  /** The characters of a run after `from` that satisfy `re`, up to whitespace or the end. */
  const runAfter = (from: number, re: RegExp): string => {
    let j = from;
    while (j < n && !SPACE.test(input[j]!)) {
      const cp = input.codePointAt(j)!;
      const ch = String.fromCodePoint(cp);
      if (!re.test(ch)) break;
      j += ch.length;
    }
    return input.slice(from, j);
  };

  /** A duration or size suffix after the number text `num` ending at `end`; pushes the token. */
  const unitToken = (start: number, num: string, end: number): number | undefined => {
    const durTail = runAfter(end, DURATION_RUNE);
    if (durTail !== '') {
      const ns = parseLogQLDurationNs(num + durTail);
      if (ns !== undefined) {
        tokens.push({ type: 'DURATION', text: num + durTail, pos: start, num: ns });
        return end + durTail.length;
      }
    }
    if (num.startsWith('-')) return undefined;
    const bytesTail = runAfter(end, BYTES_RUNE);
    if (bytesTail !== '') {
      const b = parseBytes(num + bytesTail);
      if (b !== undefined) {
        tokens.push({ type: 'BYTES', text: num + bytesTail, pos: start, num: b });
        return end + bytesTail.length;
      }
    }
    return undefined;
  };

  while (i < n) {
    const c = input[i]!;
    if (SKIP.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && input[i] !== '\n') i++;
      continue;
    }
    const start = i;

    if (DIGIT.test(c) || (c === '.' && DIGIT.test(input[i + 1] ?? ''))) {
      NUMBER_RE.lastIndex = i;
      const m = NUMBER_RE.exec(input)!;
      const end = i + m[0].length;
      const after = unitToken(start, m[0], end);
      if (after !== undefined) {
        i = after;
        continue;
      }
      tokens.push({ type: 'NUMBER', text: m[0], pos: start });
      i = end;
      continue;
    }

    if (c === '-') {
      if (input[i + 1] === '-') {
        const flag = '-' + runAfter(i + 1, /[\p{L}-]/u);
        if (FLAGS.has(flag)) {
          tokens.push({ type: 'PARSER_FLAG', text: flag, pos: start });
          i += flag.length;
          continue;
        }
      }
      const after = unitToken(start, '-', i + 1);
      if (after !== undefined) {
        i = after;
        continue;
      }
    }

    if (c === '"' || c === '`') {
      const { value, end } = scanString(input, i);
      tokens.push({ type: 'STRING', text: input.slice(i, end), pos: start, str: value });
      i = end;
      continue;
    }

    if (c === '[') {
      const close = input.indexOf(']', i + 1);
      if (close < 0) throw parseErrorAt(input, start, "missing closing ']' in duration", true);
      const text = input.slice(i + 1, close);
      const ms = parsePromDurationMs(text);
      if (typeof ms !== 'number') throw parseErrorAt(input, start, ms.error, true);
      tokens.push({ type: 'RANGE', text: input.slice(i, close + 1), pos: start, num: ms });
      i = close + 1;
      continue;
    }

    const cp = input.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (IDENT_START.test(ch)) {
      let j = i + ch.length;
      while (j < n) {
        const nc = String.fromCodePoint(input.codePointAt(j)!);
        if (!IDENT_PART.test(nc)) break;
        j += nc.length;
      }
      const word = input.slice(i, j);
      const lower = word.toLowerCase();
      if (FUNCTIONS.has(lower)) {
        const call = isFunctionCall(input, j);
        tokens.push({ type: call ? 'FUNCTION' : 'IDENTIFIER', text: call ? lower : word, pos: start });
      } else if (KEYWORDS.has(lower)) {
        tokens.push({ type: 'KEYWORD', text: lower, pos: start });
      } else {
        tokens.push({ type: 'IDENTIFIER', text: word, pos: start });
      }
      i = j;
      continue;
    }

    const two = input.slice(i, i + 2);
    if (OPS2.has(two)) {
      tokens.push({ type: 'OP', text: two, pos: start });
      i += 2;
      continue;
    }
    if (OPS1.has(c)) {
      tokens.push({ type: 'OP', text: c, pos: start });
      i++;
      continue;
    }
    tokens.push({ type: 'CHAR', text: ch, pos: start });
    i += ch.length;
  }
  tokens.push({ type: 'EOF', text: '', pos: n });
  return tokens;
}

/** True when `(` follows `from`, or `by`/`without` and then `(` (Loki's `isFunction`). */
function isFunctionCall(input: string, from: number): boolean {
  const rest = input.slice(from);
  return /^\s*\(/u.test(rest) || /^\s*(?:by|without)\s*\(/iu.test(rest);
}

/** Go escapes inside "…" and the value they stand for. */
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
};

/**
 * Scans a Go string literal at `start`: `"…"` with Go escapes (no raw newline), or a raw
 * `` `…` `` string. Errors use `text/scanner`'s words (`literal not terminated`,
 * `invalid char escape`).
 */
function scanString(input: string, start: number): { value: string; end: number } {
  const quote = input[start]!;
  if (quote === '`') {
    const close = input.indexOf('`', start + 1);
    if (close < 0) throw parseErrorAt(input, start, 'literal not terminated');
    // Go drops carriage returns from raw strings.
    return { value: input.slice(start + 1, close).replaceAll('\r', ''), end: close + 1 };
  }
  let value = '';
  let i = start + 1;
  const bytes: number[] = [];
  const flushBytes = () => {
    if (bytes.length > 0) {
      value += Buffer.from(bytes).toString('utf8');
      bytes.length = 0;
    }
  };
  while (true) {
    if (i >= input.length || input[i] === '\n') throw parseErrorAt(input, start, 'literal not terminated');
    const c = input[i]!;
    if (c === '"') break;
    if (c !== '\\') {
      flushBytes();
      value += c;
      i++;
      continue;
    }
    const e = input[i + 1] ?? '';
    if (SIMPLE_ESCAPES[e] !== undefined) {
      flushBytes();
      value += SIMPLE_ESCAPES[e];
      i += 2;
      continue;
    }
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLen > 0) {
      const digits = input.slice(i + 2, i + 2 + hexLen);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(digits)) throw parseErrorAt(input, start, 'invalid char escape');
      const v = parseInt(digits, 16);
      if (e === 'x') bytes.push(v);
      else {
        if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) throw parseErrorAt(input, start, 'escape sequence is invalid Unicode code point');
        flushBytes();
        value += String.fromCodePoint(v);
      }
      i += 2 + hexLen;
      continue;
    }
    if (/[0-7]/.test(e)) {
      const digits = input.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(digits) || parseInt(digits, 8) > 255) throw parseErrorAt(input, start, 'invalid char escape');
      bytes.push(parseInt(digits, 8));
      i += 4;
      continue;
    }
    throw parseErrorAt(input, start, 'invalid char escape');
  }
  flushBytes();
  return { value, end: i + 1 };
}
