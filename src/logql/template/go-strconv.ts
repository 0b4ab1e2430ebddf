/**
 * Go's `strconv` and `net/url` pieces the template engine needs: number literals with
 * base prefixes and underscores (`ParseInt(s, 0, 64)`, `ParseFloat`), string and rune
 * literal unquoting (`Unquote`, `UnquoteChar`), rune quoting, query escaping and
 * standard base64 decoding with Go's error offsets.
 */
import { goQuote } from '../go-text.js';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

/** Go's `underscoreOK`: underscores only between digits, or between a base prefix and a digit. */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1]!)) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** `strconv.ParseUint(s, 0, 64)`: base from the prefix (0x, 0o, 0b, leading 0 = octal), or undefined. */
export function parseUintBase0(s: string): bigint | undefined {
  if (s === '') return undefined;
  let base = 10;
  let body = s;
  if (s[0] === '0') {
    if (s.length >= 3 && (s[1] === 'x' || s[1] === 'X')) [base, body] = [16, s.slice(2)];
    else if (s.length >= 3 && (s[1] === 'o' || s[1] === 'O')) [base, body] = [8, s.slice(2)];
    else if (s.length >= 3 && (s[1] === 'b' || s[1] === 'B')) [base, body] = [2, s.slice(2)];
    else if (s.length > 1) [base, body] = [8, s.slice(1)];
  }
  const digits = base === 16 ? /^[0-9a-fA-F_]+$/ : base === 8 ? /^[0-7_]+$/ : base === 2 ? /^[01_]+$/ : /^[0-9_]+$/;
  if (!digits.test(body)) return undefined;
  if (body.includes('_') && !underscoreOK(s)) return undefined;
  const clean = body.replaceAll('_', '');
  if (clean === '') return undefined;
  const prefix = base === 16 ? '0x' : base === 8 ? '0o' : base === 2 ? '0b' : '';
  const v = BigInt(prefix + clean);
  return v > UINT64_MAX ? undefined : v;
}

/** `strconv.ParseInt(s, 0, 64)`, or undefined when Go would return an error. */
export function parseIntBase0(s: string): bigint | undefined {
  let neg = false;
  let body = s;
  if (s[0] === '+' || s[0] === '-') {
    neg = s[0] === '-';
    body = s.slice(1);
  }
  const u = parseUintBase0(body);
  if (u === undefined) return undefined;
  const v = neg ? -u : u;
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

/**
 * `strconv.ParseFloat(s, 64)`: decimal and hex floats, `inf`/`infinity`/`nan` in any case,
 * underscores as Go allows them. Undefined for a syntax error; out-of-range values are
 * ±Inf (Go returns them with an ErrRange error, which every caller here treats as failure).
 */
export function parseGoFloat(s: string): number | undefined {
  const lower = s.toLowerCase();
  const unsigned = lower.replace(/^[+-]/, '');
  if (unsigned === 'inf' || unsigned === 'infinity') return lower[0] === '-' ? -Infinity : Infinity;
  if (unsigned === 'nan') return NaN;
  if (s.includes('_') && !underscoreOK(s)) return undefined;
  const c = s.replaceAll('_', '');
  if (/^[+-]?0[xX]/.test(c)) {
    const m = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)$/.exec(c);
    if (m === null || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
    const mant = parseInt((m[2] || '0') + (m[3] ?? ''), 16) / 16 ** (m[3] ?? '').length;
    const v = mant * 2 ** Number(m[4]);
    return m[1] === '-' ? -v : v;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(c)) return undefined;
  const v = Number(c);
  return Number.isFinite(v) ? v : undefined;
}

/** Result of Go's `strconv.UnquoteChar`: the code point or byte, and the rest of the input. */
interface UnquotedChar {
  /** A code point, or a raw byte (`\xff`, octal escapes) when `isByte`. */
  value: number;
  isByte: boolean;
  tail: string;
}

/** Go's `strconv.UnquoteChar(s, quote)`, or undefined for invalid syntax. */
export function unquoteChar(s: string, quote: string): UnquotedChar | undefined {
  const c = s.codePointAt(0);
  if (c === undefined) return undefined;
  if (s[0] === quote && (quote === "'" || quote === '"')) return undefined;
  if (c !== 0x5c) return { value: c, isByte: false, tail: s.slice(c > 0xffff ? 2 : 1) };
  if (s.length <= 1) return undefined;
  const e = s[1]!;
  let tail = s.slice(2);
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 0x5c };
  if (simple[e] !== undefined) return { value: simple[e]!, isByte: false, tail };
  if (e === 'x' || e === 'u' || e === 'U') {
    const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
    const hex = tail.slice(0, n);
    if (hex.length < n || !/^[0-9a-fA-F]+$/.test(hex)) return undefined;
    tail = tail.slice(n);
    const v = parseInt(hex, 16);
    if (e === 'x') return { value: v, isByte: true, tail };
    if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return undefined;
    return { value: v, isByte: false, tail };
  }
  if (e >= '0' && e <= '7') {
    const oct = s.slice(1, 4);
    if (!/^[0-7]{3}$/.test(oct)) return undefined;
    const v = parseInt(oct, 8);
    if (v > 255) return undefined;
    return { value: v, isByte: true, tail: s.slice(4) };
  }
  if (e === "'" || e === '"') {
    if (e !== quote) return undefined;
    return { value: e.charCodeAt(0), isByte: false, tail };
  }
  return undefined;
}

/** UTF-8 bytes of one code point. */
function pushUtf8(out: number[], cp: number): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
}

/**
 * Go's `strconv.Unquote` for `"…"` and `` `…` `` literals, or undefined (Go's
 * `invalid syntax`). `\x` and octal escapes are bytes; the result is decoded as UTF-8, so
 * `"\xc3\xa9"` is `é` and a lone `"\xff"` becomes U+FFFD.
 */
export function unquote(lit: string): string | undefined {
  if (lit.length < 2) return undefined;
  const q = lit[0]!;
  if (lit[lit.length - 1] !== q) return undefined;
  let body = lit.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) return undefined;
    return body.replaceAll('\r', '');
  }
  if (q !== '"') return undefined;
  if (!body.includes('\\') && !body.includes('\n') && !body.includes('"')) return body;
  const bytes: number[] = [];
  while (body.length > 0) {
    if (body[0] === '\n') return undefined;
    const r = unquoteChar(body, '"');
    if (r === undefined) return undefined;
    if (r.isByte) bytes.push(r.value);
    else pushUtf8(bytes, r.value);
    body = r.tail;
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Go's `strconv.QuoteRune` (`'a'`, `'\n'`, `'☺'`), via the string quoter. */
export function quoteRune(cp: number): string {
  if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) cp = 0xfffd;
  if (cp === 0x27) return "'\\''";
  if (cp === 0x22) return `'"'`;
  return `'${goQuote(String.fromCodePoint(cp)).slice(1, -1)}'`;
}

/** Go's `strconv.QuoteToASCII`: like `goQuote` with every non-ASCII rune escaped. */
export function quoteToASCII(s: string): string {
  let out = '';
  for (const ch of goQuote(s).slice(1, -1)) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out += ch;
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return `"${out}"`;
}

/** Go's `strconv.CanBackquote`: one line, no backquote, no control characters but tab. */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '`' || cp === 0xfeff || cp === 0xfffd) return false;
    if (cp < 0x20 && cp !== 9) return false;
    if (cp === 0x7f) return false;
  }
  return true;
}

/** Go's `url.QueryEscape`: space as `+`, everything but `A-Za-z0-9-_.~` percent-encoded. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x5f || b === 0x2e || b === 0x7e) {
      out += String.fromCharCode(b);
    } else if (b === 0x20) out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Go's `url.QueryUnescape`; throws an Error with Go's text (`invalid URL escape "%zz"`). */
export function queryUnescape(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  const bytes = Buffer.from(s, 'utf8');
  // Go checks every escape before decoding anything.
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x25) continue;
    const h = bytes.subarray(i + 1, i + 3).toString('latin1');
    if (h.length < 2 || !/^[0-9a-fA-F]{2}$/.test(h)) {
      const bad = bytes.subarray(i, Math.min(i + 3, bytes.length)).toString('utf8');
      throw new Error(`invalid URL escape ${goQuote(bad)}`);
    }
    i += 2;
  }
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x25) {
      out.push(parseInt(bytes.subarray(i + 1, i + 3).toString('latin1'), 16));
      i += 2;
    } else out.push(b === 0x2b ? 0x20 : b);
  }
  return Buffer.from(out).toString('utf8');
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Go's `base64.StdEncoding.DecodeString` (padding required, CR/LF skipped, trailing bits
 * not checked); throws an Error with Go's text (`illegal base64 data at input byte 4`).
 */
export function base64Decode(s: string): Buffer {
  const src = Buffer.from(s, 'utf8');
  const out: number[] = [];
  let si = 0;
  const corrupt = (at: number): Error => new Error(`illegal base64 data at input byte ${at}`);
  const skipNewlines = (): void => {
    while (si < src.length && (src[si] === 0x0a || src[si] === 0x0d)) si++;
  };
  for (;;) {
    const quantum: number[] = [];
    let dlen = 4;
    let done = false;
    for (let j = 0; j < 4; j++) {
      skipNewlines();
      if (si === src.length) {
        if (j === 0) return Buffer.from(out);
        throw corrupt(si - j);
      }
      const c = src[si++]!;
      const v = B64.indexOf(String.fromCharCode(c));
      if (v >= 0 && c < 0x80) {
        quantum.push(v);
        continue;
      }
      if (c !== 0x3d) throw corrupt(si - 1);
      // Padding: only in the last two places of a quantum, and it must finish the input.
      if (j === 0 || j === 1) throw corrupt(si - 1);
      if (j === 2) {
        skipNewlines();
        if (si === src.length) throw corrupt(src.length);
        if (src[si] !== 0x3d) throw corrupt(si - 1);
        si++;
      }
      skipNewlines();
      if (si < src.length) throw corrupt(si);
      dlen = j;
      done = true;
      break;
    }
    const n = (quantum[0]! << 18) | ((quantum[1] ?? 0) << 12) | ((quantum[2] ?? 0) << 6) | (quantum[3] ?? 0);
    const bytes = [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
    for (let k = 0; k < dlen - 1; k++) out.push(bytes[k]!);
    if (done) return Buffer.from(out);
  }
}

/**
 * spf13/cast's `ToInt64` as sprig uses it: ints as they are, floats truncated, strings by
 * `ParseInt(s, 0, 0)` after dropping a zero fraction (`"1.00"` → 1), bools as 1/0,
 * anything else (and any parse error) 0.
 */
export function castToInt64(v: unknown): bigint {
  if (typeof v === 'string') return parseIntBase0(trimZeroDecimal(v)) ?? 0n;
  // Go's int64(x) of NaN or ±Inf is the minimum int64 on amd64.
  if (typeof v === 'number') return Number.isFinite(v) ? BigInt.asIntN(64, BigInt(Math.trunc(v))) : INT64_MIN;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'bigint') return v;
  return 0n;
}

/** spf13/cast's `ToFloat64`: numbers as they are, strings by `ParseFloat`, bools 1/0, else 0. */
export function castToFloat64(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return parseGoFloat(v) ?? 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  return 0;
}

/** cast's `trimZeroDecimal`: `"1.00"` → `"1"`, anything else unchanged. */
function trimZeroDecimal(s: string): string {
  let foundZero = false;
  for (let i = s.length; i > 0; i--) {
    const c = s[i - 1];
    if (c === '.') {
      if (foundZero) return s.slice(0, i - 1);
    } else if (c === '0') foundZero = true;
    else return s;
  }
  return s;
}
