/**
 * Loki's logfmt decoder (`pkg/logql/log/logfmt/decode.go`, adapted from go-logfmt): one
 * key/value pair per `scan()`. Keys run to `=` or a space (a bare key has no value);
 * values are bare (to the next space) or double-quoted with JSON-style escapes. A failed
 * pair sets `error` and the decoder skips to the next space, so the caller may go on
 * (non-strict) or stop (`--strict`).
 */
import { hasRuneError, utf8Length } from './sanitize.js';

const QUOTE = 0x22;
const EQUALS = 0x3d;
const BACKSLASH = 0x5c;

/** A reusable decoder; `reset` it per line. Not re-entrant. */
export class LogfmtDecoder {
  private line = '';
  private pos = 0;
  /** The last pair's key; undefined when none was read. */
  key: string | undefined;
  /** The last pair's value; '' for a bare key or `k=`. */
  value = '';
  /** The first-found syntax error of the line, Loki's text (`logfmt syntax error at pos 5 : …`). */
  error: string | undefined;

  reset(line: string): void {
    this.line = line;
    this.pos = 0;
    this.error = undefined;
  }

  /** Loki's `EOL`: the whole line was consumed. */
  eol(): boolean {
    return this.pos >= this.line.length;
  }

  private syntaxError(msg: string): void {
    // Loki reports 1-based byte positions.
    this.error = `logfmt syntax error at pos ${utf8Length(this.line, this.pos) + 1} : ${msg}`;
  }

  private unexpected(c: number): void {
    // Go's %q of a byte: '=' or '"'.
    this.syntaxError(`unexpected '${String.fromCharCode(c)}'`);
  }

  /** Skips to the next space after a bad pair (`skip_value`); always returns false. */
  private skipValue(): false {
    const s = this.line;
    for (let p = this.pos; p < s.length; p++) {
      if (s.charCodeAt(p) <= 0x20) {
        this.pos = p;
        return false;
      }
    }
    this.pos = s.length;
    return false;
  }

  /**
   * Loki's `ScanKeyval`: reads the next pair. True when `key` (and `value`) hold a pair;
   * false at the end of the line or on a bad pair (then `error` is set).
   */
  scan(): boolean {
    const s = this.line;
    const n = s.length;
    this.key = undefined;
    this.value = '';
    // Garbage: everything up to the first character above the space.
    let p = this.pos;
    while (p < n && s.charCodeAt(p) <= 0x20) p++;
    if (p >= n) {
      this.pos = n;
      return false;
    }
    this.pos = p;
    const start = p;
    let multibyte = false;
    for (; p < n; p++) {
      const c = s.charCodeAt(p);
      if (c === EQUALS) {
        this.pos = p;
        if (p > start) {
          this.key = s.slice(start, p);
          if (multibyte && hasRuneError(this.key)) {
            this.syntaxError('invalid key');
            return this.skipValue();
          }
        }
        if (this.key === undefined) {
          this.unexpected(c);
          return this.skipValue();
        }
        return this.equal();
      }
      if (c === QUOTE) {
        this.pos = p;
        this.unexpected(c);
        return this.skipValue();
      }
      if (c <= 0x20) {
        this.pos = p;
        this.key = s.slice(start, p);
        if (multibyte && hasRuneError(this.key)) {
          this.syntaxError('invalid key');
          return false;
        }
        return true;
      }
      if (c >= 0x80) multibyte = true;
    }
    this.pos = n;
    this.key = s.slice(start, n);
    if (multibyte && hasRuneError(this.key)) {
      this.syntaxError('invalid key');
      return false;
    }
    return true;
  }

  /** After `=`: a bare or a quoted value. */
  private equal(): boolean {
    const s = this.line;
    const n = s.length;
    this.pos++;
    if (this.pos >= n) return true;
    const first = s.charCodeAt(this.pos);
    if (first <= 0x20) return true;
    if (first === QUOTE) return this.quoted();
    const start = this.pos;
    for (let p = start; p < n; p++) {
      const c = s.charCodeAt(p);
      if (c === EQUALS || c === QUOTE) {
        this.pos = p;
        this.unexpected(c);
        return this.skipValue();
      }
      if (c <= 0x20) {
        this.pos = p;
        this.value = s.slice(start, p);
        return true;
      }
    }
    this.pos = n;
    this.value = s.slice(start, n);
    return true;
  }

  /** A quoted value: `this.pos` is on the opening quote. */
  private quoted(): boolean {
    const s = this.line;
    const n = s.length;
    const start = this.pos;
    let hasEsc = false;
    let esc = false;
    for (let p = start + 1; p < n; p++) {
      const c = s.charCodeAt(p);
      if (esc) {
        esc = false;
      } else if (c === BACKSLASH) {
        hasEsc = true;
        esc = true;
      } else if (c === QUOTE) {
        this.pos = p + 1;
        if (hasEsc) {
          const v = unquote(s, start + 1, p);
          if (v === undefined) {
            this.syntaxError('invalid quoted value');
            return false;
          }
          this.value = v;
        } else {
          this.value = s.slice(start + 1, p);
        }
        return true;
      }
    }
    this.pos = n;
    this.syntaxError('unterminated quoted value');
    return false;
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/** `getu4`: the four hex digits after `\u` at `i`, or -1. */
function getu4(s: string, i: number, end: number): number {
  if (i + 6 > end || s.charCodeAt(i) !== BACKSLASH || s.charCodeAt(i + 1) !== 0x75) return -1;
  let r = 0;
  for (let k = 2; k < 6; k++) {
    const h = hexValue(s.charCodeAt(i + k));
    if (h < 0) return -1;
    r = (r << 4) | h;
  }
  return r;
}

/**
 * Loki's `unquoteBytes` (from Go's encoding/json) of the quoted content `[start, end)`:
 * `\" \\ \/ \' \b \f \n \r \t \uXXXX`; an unpaired surrogate becomes U+FFFD. Undefined for
 * an unknown escape.
 */
function unquote(s: string, start: number, end: number): string | undefined {
  let out = '';
  let r = start;
  let from = start;
  while (r < end) {
    const c = s.charCodeAt(r);
    if (c !== BACKSLASH) {
      r++;
      continue;
    }
    out += s.slice(from, r);
    r++;
    if (r >= end) return undefined;
    const e = s.charCodeAt(r);
    switch (e) {
      case 0x22: case 0x5c: case 0x2f: case 0x27:
        out += String.fromCharCode(e);
        r++;
        break;
      case 0x62: out += '\b'; r++; break;
      case 0x66: out += '\f'; r++; break;
      case 0x6e: out += '\n'; r++; break;
      case 0x72: out += '\r'; r++; break;
      case 0x74: out += '\t'; r++; break;
      case 0x75: {
        r--;
        const rr = getu4(s, r, end);
        if (rr < 0) return undefined;
        r += 6;
        if (rr >= 0xd800 && rr <= 0xdfff) {
          const rr1 = getu4(s, r, end);
          if (rr < 0xdc00 && rr1 >= 0xdc00 && rr1 <= 0xdfff) {
            out += String.fromCharCode(rr, rr1);
            r += 6;
          } else {
            out += '\uFFFD';
          }
        } else {
          out += String.fromCharCode(rr);
        }
        break;
      }
      default:
        return undefined;
    }
    from = r;
  }
  return out + s.slice(from, end);
}
