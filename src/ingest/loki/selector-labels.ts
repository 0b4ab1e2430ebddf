/**
 * The label set of a Loki push stream, written as a selector string: `{job="app",
 * level="info"}`. The protobuf push format and the legacy JSON format carry labels this
 * way; this module parses them, caches the result per string, and prints label sets back
 * in the same syntax.
 *
 * Grammar (what Loki accepts through Prometheus's `ParseMetric`, minus the metric-name
 * prefix and quoted label names, which no Loki client sends):
 *
 * ```
 * labels := ws* '{' ws* [ pair ( ws* ',' ws* pair )* [ ws* ',' ] ] ws* '}' ws*
 * pair   := name ws* '=' ws* string
 * name   := [a-zA-Z_][a-zA-Z0-9_]*
 * string := '"' … '"' | "'" … "'"    (Go escapes: \a \b \f \n \r \t \v \\ \<quote>,
 *                                     \ooo octal, \xhh, \uhhhh, \Uhhhhhhhh; no raw newline)
 *         | '`' … '`'                (raw: no escapes, newlines allowed)
 * ws     := ' ' | '\t' | '\n' | '\r'
 * ```
 *
 * `{}` is the empty list, and so is a string of nothing but whitespace (Prometheus's
 * `ParseMetric` reads it so, and Loki then answers "at least one label pair is required
 * per stream", which validation does here too). Only `=` is allowed: a push names labels, it does not match
 * them. Labels come back in the order written, duplicates and empty values included:
 * the distributor applies Loki's rules to them (empty values dropped, duplicate names
 * refused) and words its errors with the original text.
 *
 * `\x` and octal escapes denote single bytes, as in Go; runs of them are decoded as UTF-8
 * (so `"\xc3\xa9"` is "é") and bytes that do not form UTF-8 become U+FFFD.
 */
import type { Label } from '../../model/labels.js';
import { CairnError } from '../../util/errors.js';

/** Reason code of a label string that does not parse (Loki's discard reason `invalid_labels`). */
export const INVALID_LABELS = 'invalid_labels';

/**
 * A label string that does not parse. The message is Loki's 400 text,
 * `error parsing labels '<s>' with error: parse error at line L, col C: <detail>`;
 * line and column (1-based, in UTF-16 code units) point at the offending token.
 */
export class SelectorParseError extends CairnError {
  readonly text: string;
  readonly line: number;
  readonly col: number;
  readonly detail: string;

  constructor(text: string, line: number, col: number, detail: string) {
    super('bad_data', INVALID_LABELS, `error parsing labels '${text}' with error: parse error at line ${line}, col ${col}: ${detail}`);
    this.name = 'SelectorParseError';
    this.text = text;
    this.line = line;
    this.col = col;
    this.detail = detail;
  }
}

// Character codes the scanner tests against.
const C_TAB = 0x09;
const C_LF = 0x0a;
const C_CR = 0x0d;
const C_SPACE = 0x20;
const C_BANG = 0x21;
const C_DQUOTE = 0x22;
const C_SQUOTE = 0x27;
const C_COMMA = 0x2c;
const C_EQ = 0x3d;
const C_BACKSLASH = 0x5c;
const C_BACKTICK = 0x60;
/**
 * U+FFFD, Go's `utf8.RuneError`: Prometheus's lexer, which Loki parses every stream's
 * labels with, refuses it written in a quoted string ("invalid UTF-8 rune"), whether the
 * bytes sent were not UTF-8 (read here as U+FFFD) or were U+FFFD itself. What an escape
 * decodes to is not checked (Promtail escapes bytes that are not UTF-8 as `\xhh`).
 */
const C_REPLACEMENT = 0xfffd;
const INVALID_RUNE = 'invalid UTF-8 rune';
const C_LBRACE = 0x7b;
const C_RBRACE = 0x7d;
const C_TILDE = 0x7e;

const isSpace = (c: number): boolean => c === C_SPACE || c === C_TAB || c === C_LF || c === C_CR;
const isNameStart = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isNameChar = (c: number): boolean => isNameStart(c) || isDigit(c);

/** The highest Unicode code point; `\U` escapes above it are refused, as Go refuses them. */
const MAX_CODE_POINT = 0x10_ffff;

const EMPTY_LABELS: readonly Label[] = Object.freeze([]);

/** One-pass parser state over the label string. */
class Parser {
  private p = 0;

  constructor(private readonly s: string) {}

  parse(): readonly Label[] {
    const s = this.s;
    this.skipSpace();
    // No labels at all, as Prometheus's ParseMetric reads it: validation answers with Loki's
    // "at least one label pair is required" rather than a parse error.
    if (this.p === s.length) return EMPTY_LABELS;
    if (s.charCodeAt(this.p) !== C_LBRACE) this.unexpected('{');
    this.p++;
    this.skipSpace();
    if (s.charCodeAt(this.p) === C_RBRACE) {
      this.p++;
      this.end();
      return EMPTY_LABELS;
    }
    const out: Label[] = [];
    for (;;) {
      if (!isNameStart(s.charCodeAt(this.p))) this.unexpected('IDENTIFIER or }');
      const nameStart = this.p;
      this.p++;
      while (isNameChar(s.charCodeAt(this.p))) this.p++;
      const name = s.slice(nameStart, this.p);
      this.skipSpace();
      if (s.charCodeAt(this.p) !== C_EQ || this.peekOperatorLength() !== 1) this.unexpected('=');
      this.p++;
      this.skipSpace();
      const value = this.string();
      out.push({ name, value });
      this.skipSpace();
      const c = s.charCodeAt(this.p);
      if (c === C_RBRACE) {
        this.p++;
        break;
      }
      if (c !== C_COMMA) this.unexpected(', or }');
      this.p++;
      this.skipSpace();
      if (s.charCodeAt(this.p) === C_RBRACE) {
        // A trailing comma, as Prometheus's label_set grammar allows.
        this.p++;
        break;
      }
    }
    this.end();
    return Object.freeze(out);
  }

  private skipSpace(): void {
    const s = this.s;
    while (isSpace(s.charCodeAt(this.p))) this.p++;
  }

  /** After the closing brace only whitespace may follow. */
  private end(): void {
    this.skipSpace();
    if (this.p < this.s.length) this.unexpected('$end');
  }

  /** The length of the operator token at `p` (`=~`, `!=`, `!~` are 2; `=` is 1). */
  private peekOperatorLength(): number {
    const s = this.s;
    const c = s.charCodeAt(this.p);
    const d = s.charCodeAt(this.p + 1);
    if ((c === C_EQ || c === C_BANG) && (d === C_TILDE || (c === C_BANG && d === C_EQ))) return 2;
    return 1;
  }

  /** Reads a quoted string at `p` and returns its value. */
  private string(): string {
    const s = this.s;
    const quote = s.charCodeAt(this.p);
    if (quote !== C_DQUOTE && quote !== C_SQUOTE && quote !== C_BACKTICK) this.unexpected('STRING');
    const start = this.p;
    if (quote === C_BACKTICK) {
      const close = s.indexOf('`', start + 1);
      if (close < 0) this.fail(start, 'literal not terminated');
      const bad = s.indexOf('\ufffd', start + 1);
      if (bad >= 0 && bad < close) this.fail(start, INVALID_RUNE);
      this.p = close + 1;
      return s.slice(start + 1, close);
    }
    // Fast path: no escapes before the closing quote.
    let i = start + 1;
    for (;;) {
      if (i >= s.length) this.fail(start, 'literal not terminated');
      const c = s.charCodeAt(i);
      if (c === quote) {
        this.p = i + 1;
        return s.slice(start + 1, i);
      }
      if (c === C_BACKSLASH) break;
      if (c === C_LF) this.fail(start, 'literal not terminated');
      if (c === C_REPLACEMENT) this.fail(start, INVALID_RUNE);
      i++;
    }
    return this.escapedString(start, quote, i);
  }

  /** The slow path of `string()`: from `i`, the first backslash, to the closing quote. */
  private escapedString(start: number, quote: number, i: number): string {
    const s = this.s;
    let out = s.slice(start + 1, i);
    // Bytes from \x and octal escapes, decoded as UTF-8 once the run ends.
    let bytes: number[] = [];
    const flush = (): void => {
      if (bytes.length > 0) {
        out += Buffer.from(bytes).toString('utf8');
        bytes = [];
      }
    };
    for (;;) {
      if (i >= s.length) this.fail(start, 'literal not terminated');
      const c = s.charCodeAt(i);
      if (c === quote) {
        flush();
        this.p = i + 1;
        return out;
      }
      if (c === C_LF) this.fail(start, 'literal not terminated');
      if (c !== C_BACKSLASH) {
        flush();
        // Copy the run up to the next special character in one slice.
        let j = i;
        for (; j < s.length; j++) {
          const d = s.charCodeAt(j);
          if (d === quote || d === C_BACKSLASH || d === C_LF) break;
          if (d === C_REPLACEMENT) this.fail(start, INVALID_RUNE);
        }
        out += s.slice(i, j);
        i = j;
        continue;
      }
      const escAt = i;
      const e = s.charCodeAt(i + 1);
      i += 2;
      let simple = -1;
      switch (e) {
        case 0x61: simple = 0x07; break; // \a
        case 0x62: simple = 0x08; break; // \b
        case 0x66: simple = 0x0c; break; // \f
        case 0x6e: simple = 0x0a; break; // \n
        case 0x72: simple = 0x0d; break; // \r
        case 0x74: simple = 0x09; break; // \t
        case 0x76: simple = 0x0b; break; // \v
        case C_BACKSLASH: simple = C_BACKSLASH; break;
        default:
          if (e === quote) simple = quote;
      }
      if (simple >= 0) {
        flush();
        out += String.fromCharCode(simple);
        continue;
      }
      if (e >= 0x30 && e <= 0x37) {
        // \ooo: exactly three octal digits, at most \377 (one byte).
        const v = this.digits(i - 1, 3, 8, escAt);
        if (v > 0xff) this.fail(escAt, 'invalid char escape');
        bytes.push(v);
        i += 2;
        continue;
      }
      if (e === 0x78) {
        bytes.push(this.digits(i, 2, 16, escAt));
        i += 2;
        continue;
      }
      if (e === 0x75 || e === 0x55) {
        const n = e === 0x75 ? 4 : 8;
        const cp = this.digits(i, n, 16, escAt);
        if (cp > MAX_CODE_POINT || (cp >= 0xd800 && cp <= 0xdfff)) this.fail(escAt, 'invalid char escape');
        flush();
        out += String.fromCodePoint(cp);
        i += n;
        continue;
      }
      if (i - 1 >= s.length) this.fail(start, 'literal not terminated');
      this.fail(escAt, 'invalid char escape');
    }
  }

  /** Reads exactly `n` digits in `base` at `at`; fails at `escAt` otherwise. */
  private digits(at: number, n: number, base: number, escAt: number): number {
    const s = this.s;
    let v = 0;
    for (let k = 0; k < n; k++) {
      const c = s.charCodeAt(at + k);
      let d: number;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x61 + 10;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x41 + 10;
      else d = 99;
      if (d >= base) {
        if (at + k >= s.length) this.fail(escAt, 'literal not terminated');
        this.fail(escAt, 'invalid char escape');
      }
      v = v * base + d;
    }
    return v;
  }

  /** Fails with goyacc's wording for the token at `p`. */
  private unexpected(expected: string): never {
    this.fail(this.p, `syntax error: unexpected ${this.describeToken()}, expecting ${expected}`);
  }

  /** Names the token at `p` the way Loki's LogQL parser names tokens in its errors. */
  private describeToken(): string {
    const s = this.s;
    const p = this.p;
    if (p >= s.length) return '$end';
    const c = s.charCodeAt(p);
    if (isNameStart(c)) return 'IDENTIFIER';
    if (isDigit(c)) return 'NUMBER';
    if (c === C_DQUOTE || c === C_SQUOTE || c === C_BACKTICK) return 'STRING';
    if (c === C_EQ || c === C_BANG) return s.slice(p, p + this.peekOperatorLength());
    return String.fromCodePoint(s.codePointAt(p)!);
  }

  private fail(at: number, detail: string): never {
    const s = this.s;
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at && i < s.length; i++) {
      if (s.charCodeAt(i) === C_LF) {
        line++;
        lineStart = i + 1;
      }
    }
    throw new SelectorParseError(s, line, at - lineStart + 1, detail);
  }
}

/**
 * Parses a stream label string (see the module comment for the grammar) into labels in
 * the order written. The returned array is frozen and may be shared; its `Label` objects
 * too. Throws `SelectorParseError` (a `CairnError`, `bad_data`, reason `invalid_labels`)
 * with Loki's message when the string does not parse. Does not check label-name rules
 * beyond the grammar, duplicates or empty values: that is validation's job.
 */
export function parseSelectorLabels(text: string): readonly Label[] {
  return new Parser(text).parse();
}

/** Bounds of a `SelectorLabelsCache`. */
export interface SelectorLabelsCacheOptions {
  /**
   * Entries kept before the cache is cleared. A client sends one string per stream it
   * owns, and Loki's default `max_global_streams_per_user` is 5000; 16384 holds the
   * streams of a few such tenants, and clearing costs one re-parse per stream.
   */
  readonly maxEntries: number;
  /**
   * Total UTF-16 code units of cached keys before the cache is cleared, so that long
   * label strings cannot grow it without bound: 4 Mi code units is at most 8 MiB of keys
   * (plus about as much for the parsed labels).
   */
  readonly maxKeyChars: number;
  /**
   * Strings longer than this are parsed every time and never cached. Real label strings
   * are tens to hundreds of characters; 4096 leaves room for unusual ones while a few
   * huge strings cannot take a large share of `maxKeyChars` and force clears.
   */
  readonly maxKeyLength: number;
}

/** The defaults documented on `SelectorLabelsCacheOptions`. */
export function defaultSelectorLabelsCacheOptions(): SelectorLabelsCacheOptions {
  return { maxEntries: 16_384, maxKeyChars: 4 * 1024 * 1024, maxKeyLength: 4096 };
}

/**
 * A bounded map from label string to parsed labels, for the push hot path where every
 * request of a client repeats the same strings. When full it is cleared as a whole
 * (cheaper and simpler than LRU bookkeeping; the working set refills on the next
 * requests). Failures are not cached. Results are frozen arrays shared between callers.
 * Not shared across worker threads; safe across `await` (a lookup is synchronous).
 */
export class SelectorLabelsCache {
  private readonly map = new Map<string, readonly Label[]>();
  private keyChars = 0;
  private readonly opts: SelectorLabelsCacheOptions;

  constructor(opts: Partial<SelectorLabelsCacheOptions> = {}) {
    this.opts = { ...defaultSelectorLabelsCacheOptions(), ...opts };
  }

  /** `parseSelectorLabels(text)`, from the cache when it was parsed before. */
  parse(text: string): readonly Label[] {
    const hit = this.map.get(text);
    if (hit !== undefined) return hit;
    const labels = parseSelectorLabels(text);
    if (text.length <= this.opts.maxKeyLength) {
      if (this.map.size >= this.opts.maxEntries || this.keyChars + text.length > this.opts.maxKeyChars) this.clear();
      this.map.set(text, labels);
      this.keyChars += text.length;
    }
    return labels;
  }

  /** Number of cached strings. */
  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
    this.keyChars = 0;
  }
}

/**
 * Prints labels in the selector syntax, in the order given: `{a="x", b="y"}` (Loki's and
 * Prometheus's `String()` form, minus their sorting). Values are quoted the way Go's
 * `strconv.Quote` quotes ASCII control characters, backslashes and double quotes; other
 * characters are written as they are, so `parseSelectorLabels(formatSelectorLabels(ls))`
 * gives back `ls` for any labels with valid names and well-formed UTF-16 values.
 *
 * A name that is not `[a-zA-Z_][a-zA-Z0-9_]*` (JSON pushes can carry any) is quoted too,
 * as Prometheus 3 writes UTF-8 names: `{"a.b"="x"}`. That keeps the text injective —
 * different label lists never print alike — so it can key a cache of validated label
 * sets: unquoted, the name `a="1", b` with value `2` would print as `{a="1", b="2"}`.
 */
export function formatSelectorLabels(labels: readonly Label[]): string {
  let s = '{';
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (i > 0) s += ', ';
    s += (isPlainName(l.name) ? l.name : quoteValue(l.name)) + '=' + quoteValue(l.value);
  }
  return s + '}';
}

function isPlainName(name: string): boolean {
  if (name.length === 0 || !isNameStart(name.charCodeAt(0))) return false;
  for (let i = 1; i < name.length; i++) if (!isNameChar(name.charCodeAt(i))) return false;
  return true;
}

/** Go-style double-quoted string (see `formatSelectorLabels`). */
function quoteValue(v: string): string {
  let plain = true;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c === C_DQUOTE || c === C_BACKSLASH || c === 0x7f) {
      plain = false;
      break;
    }
  }
  if (plain) return '"' + v + '"';
  let out = '"';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    switch (c) {
      case 0x07: out += '\\a'; break;
      case 0x08: out += '\\b'; break;
      case 0x0c: out += '\\f'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      case 0x0b: out += '\\v'; break;
      case C_DQUOTE: out += '\\"'; break;
      case C_BACKSLASH: out += '\\\\'; break;
      default:
        out += c < 0x20 || c === 0x7f ? '\\x' + c.toString(16).padStart(2, '0') : v[i];
    }
  }
  return out + '"';
}

/**
 * For labels that came as a map (JSON and OTLP pushes), printed as `text` (by
 * `formatSelectorLabels`; printed here when not given): the error Loki gives, which prints
 * them and parses the text as it does every stream's, when a value holds U+FFFD (see
 * `C_REPLACEMENT`); otherwise undefined.
 */
export function mapLabelsError(labels: readonly Label[], text?: string): CairnError | undefined {
  if (!labels.some((l) => l.value.includes('\ufffd'))) return undefined;
  try {
    parseSelectorLabels(text ?? formatSelectorLabels(labels));
  } catch (err) {
    if (err instanceof SelectorParseError) return err;
    throw err;
  }
  return undefined;
}

/**
 * Parses a stream's label string through `cache`; a string that does not parse gives an
 * empty list and the error, so the caller can refuse that stream alone, as Loki does.
 */
export function parseStreamLabels(cache: SelectorLabelsCache, text: string): { labels: readonly Label[]; labelsError?: CairnError } {
  try {
    return { labels: cache.parse(text) };
  } catch (err) {
    if (err instanceof SelectorParseError) return { labels: NO_LABELS, labelsError: err };
    throw err;
  }
}

const NO_LABELS: readonly Label[] = Object.freeze([]);
