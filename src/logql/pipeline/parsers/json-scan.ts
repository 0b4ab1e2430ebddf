/**
 * A port of the scanning primitives of `github.com/grafana/jsonparser` (a fork of
 * `buger/jsonparser`), the library Loki's `| json`, `| json a="…"` and `| unpack` stages
 * use. Loki's semantics are this library's, not JSON's: it is lenient (numbers are any
 * token that starts with a digit or `-`, nested blocks are only bracket-matched until
 * visited, text after the top-level object is ignored) and its error texts end up in
 * `__error_details__`. So this is a scanner over the line's characters, not `JSON.parse`;
 * it also keeps number text as written (`1.0`, big integers).
 *
 * Ranges are half-open `[start, end)` character offsets into one string, standing for
 * Go's sub-slices. Errors are Go's error texts, returned (not thrown) because they are
 * per-line data.
 */

/** jsonparser's error texts, as Loki puts them in `__error_details__`. */
export const KEY_PATH_NOT_FOUND = 'Key path not found';
export const UNKNOWN_VALUE_TYPE = 'Unknown value type';
export const MALFORMED_JSON = 'Malformed JSON error';
export const MALFORMED_STRING = 'Value is string, but can\'t find closing \'"\' symbol';
export const MALFORMED_ARRAY = "Value is array, but can't find closing ']' symbol";
export const MALFORMED_OBJECT = "Value looks like object, but can't find closing '}' symbol";
export const MALFORMED_STRING_ESCAPE = 'Encountered an invalid escape sequence in a string';

/** jsonparser's ValueType. */
export enum JsonType {
  NotExist = 0,
  String = 1,
  Number = 2,
  Object = 3,
  Array = 4,
  Boolean = 5,
  Null = 6,
  Unknown = 7,
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Index of the first non-whitespace character in `[i, end)`, or -1 (`nextToken`). */
export function nextToken(s: string, i: number, end: number): number {
  for (; i < end; i++) if (!isJsonSpace(s.charCodeAt(i))) return i;
  return -1;
}

/** Where a bare token (number, literal) ends: the first space, `,`, `}` or `]` (`tokenEnd`). */
function tokenEnd(s: string, i: number, end: number): number {
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === COMMA || c === RBRACE || c === RBRACKET) return i;
  }
  return end;
}

/** Whether the last `stringEnd` call met a backslash (jsonparser's second result). */
let lastStringEscaped = false;

/**
 * `stringEnd`: `i` is just past an opening quote; returns the index just past the closing
 * quote (a quote preceded by an even number of backslashes), or -1. Sets
 * `lastStringEscaped` when the string held a backslash.
 */
export function stringEnd(s: string, i: number, end: number): number {
  const start = i;
  let escaped = false;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) {
      if (!escaped) {
        lastStringEscaped = false;
        return i + 1;
      }
      // Count the backslashes right before this quote, down to the slice start.
      let j = i - 1;
      let even = true;
      while (j >= start && s.charCodeAt(j) === BACKSLASH) {
        even = !even;
        j--;
      }
      if (even) {
        lastStringEscaped = true;
        return i + 1;
      }
    } else if (c === BACKSLASH) {
      escaped = true;
    }
  }
  lastStringEscaped = escaped;
  return -1;
}

/** `blockEnd`: `s[i]` opens a block; returns the index past its matching close, or -1. */
export function blockEnd(s: string, i: number, end: number, open: number, close: number): number {
  let level = 0;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) {
      const se = stringEnd(s, i + 1, end);
      if (se === -1) return -1;
      i = se - 1;
    } else if (c === open) {
      level++;
    } else if (c === close) {
      level--;
      if (level === 0) return i + 1;
    }
    i++;
  }
  return -1;
}

/**
 * The result of `get`: the value range (quotes stripped for strings), its type and where
 * it ends. One mutable record, reused: read it before the next `get`.
 */
export interface GetResult {
  start: number;
  end: number;
  type: JsonType;
  /** Index just past the value (`offset` in jsonparser's Get). */
  next: number;
  error: string | undefined;
}

const result: GetResult = { start: 0, end: 0, type: JsonType.NotExist, next: 0, error: undefined };

function fail(type: JsonType, at: number, error: string): GetResult {
  result.start = at;
  result.end = at;
  result.type = type;
  result.next = at;
  result.error = error;
  return result;
}

function literalIs(s: string, start: number, end: number, lit: string): boolean {
  return end - start === lit.length && s.startsWith(lit, start);
}

/** jsonparser's `Get(data)` with no keys: the first value in `[i, end)` (`internalGet` + `getType`). */
export function get(s: string, i: number, end: number): GetResult {
  const at = nextToken(s, i, end);
  if (at === -1) return fail(JsonType.NotExist, i, MALFORMED_JSON);
  const c = s.charCodeAt(at);
  result.error = undefined;
  if (c === QUOTE) {
    const se = stringEnd(s, at + 1, end);
    if (se === -1) return fail(JsonType.String, at, MALFORMED_STRING);
    result.start = at + 1;
    result.end = se - 1;
    result.type = JsonType.String;
    result.next = se;
    return result;
  }
  if (c === LBRACKET || c === LBRACE) {
    const be = c === LBRACKET ? blockEnd(s, at, end, LBRACKET, RBRACKET) : blockEnd(s, at, end, LBRACE, RBRACE);
    if (be === -1) return fail(c === LBRACKET ? JsonType.Array : JsonType.Object, at, c === LBRACKET ? MALFORMED_ARRAY : MALFORMED_OBJECT);
    result.start = at;
    result.end = be;
    result.type = c === LBRACKET ? JsonType.Array : JsonType.Object;
    result.next = be;
    return result;
  }
  const te = tokenEnd(s, at, end);
  let type: JsonType;
  if (c === 0x74 || c === 0x66) {
    // t, f
    if (!literalIs(s, at, te, 'true') && !literalIs(s, at, te, 'false')) return fail(JsonType.Unknown, at, UNKNOWN_VALUE_TYPE);
    type = JsonType.Boolean;
  } else if (c === 0x75 || c === 0x6e) {
    // u, n
    if (!literalIs(s, at, te, 'null')) return fail(JsonType.Unknown, at, UNKNOWN_VALUE_TYPE);
    type = JsonType.Null;
  } else if ((c >= 0x30 && c <= 0x39) || c === 0x2d) {
    type = JsonType.Number;
  } else {
    return fail(JsonType.Unknown, at, UNKNOWN_VALUE_TYPE);
  }
  result.start = at;
  result.end = te;
  result.type = type;
  result.next = te;
  return result;
}

/**
 * Called by `objectEach` for each member: the unescaped key, the value range (quotes
 * stripped for strings) and type. Returning a string stops the walk with that error.
 */
export type MemberCallback = (key: string, vStart: number, vEnd: number, type: JsonType) => string | undefined;

/** jsonparser's `ObjectEach` over the object at `[i, end)`; returns its error text or undefined. */
export function objectEach(s: string, i: number, end: number, cb: MemberCallback): string | undefined {
  let off = nextToken(s, i, end);
  if (off === -1 || s.charCodeAt(off) !== LBRACE) return MALFORMED_OBJECT;
  off = nextToken(s, off + 1, end);
  if (off === -1) return MALFORMED_JSON;
  if (s.charCodeAt(off) === RBRACE) return undefined;
  let lastComma = -1;
  while (off < end) {
    const c = s.charCodeAt(off);
    if (c === RBRACE) return lastComma !== -1 && lastComma + 1 === off ? MALFORMED_OBJECT : undefined;
    if (c !== QUOTE) return MALFORMED_OBJECT;
    off++;
    const ke = stringEnd(s, off, end);
    if (ke === -1) return MALFORMED_JSON;
    let key: string | undefined;
    if (lastStringEscaped) {
      key = unescape(s, off, ke - 1);
      if (key === undefined) return MALFORMED_STRING_ESCAPE;
    } else {
      key = s.slice(off, ke - 1);
    }
    off = nextToken(s, ke, end);
    if (off === -1 || s.charCodeAt(off) !== COLON) return MALFORMED_JSON;
    off++;
    const v = get(s, off, end);
    if (v.error !== undefined) return v.error;
    const next = v.next;
    const err = cb(key, v.start, v.end, v.type);
    if (err !== undefined) return err;
    off = nextToken(s, next, end);
    if (off === -1) return MALFORMED_ARRAY;
    const d = s.charCodeAt(off);
    if (d === RBRACE) return undefined;
    if (d !== COMMA) return MALFORMED_OBJECT;
    lastComma = off;
    off++;
    const n = nextToken(s, off, end);
    if (n === -1) return MALFORMED_ARRAY;
    // jsonparser moves its comma marker by the skipped whitespace minus one, so only a `}`
    // right after the comma (`{"a":1,}`) is caught; `{"a":1, }` passes.
    if (n > off) lastComma += n - off - 1;
    off = n;
  }
  return MALFORMED_OBJECT;
}

/** Called by `arrayEach` for each element (quotes stripped for strings). */
type ElementCallback = (vStart: number, vEnd: number, type: JsonType) => void;

/**
 * jsonparser's `ArrayEach` over `[i, end)` (it does not check the opening `[`). Returns the
 * index it stopped at: the closing `]` on success, else where it failed (its callers here
 * ignore the error itself, as jsonparser's do).
 */
function arrayEach(s: string, i: number, end: number, cb: ElementCallback): number {
  if (i >= end) return -1;
  const t = nextToken(s, i, end);
  if (t === -1) return -1;
  let off = t + 1;
  const n = nextToken(s, off, end);
  if (n === -1) return off;
  off = n;
  if (s.charCodeAt(off) === RBRACKET) return off;
  for (;;) {
    const v = get(s, off, end);
    if (v.error !== undefined) return off;
    if (v.next === off) break;
    const next = v.next;
    if (v.type !== JsonType.NotExist) cb(v.start, v.end, v.type);
    off = next;
    const k = nextToken(s, off, end);
    if (k === -1) return off;
    off = k;
    const c = s.charCodeAt(off);
    if (c === RBRACKET) break;
    if (c !== COMMA) return off;
    off++;
  }
  return off;
}

/** `strconv.Atoi` on an index text such as `12` (NaN when Go would refuse it). */
function atoi(t: string): number {
  if (!/^[+-]?\d+$/.test(t)) return NaN;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : NaN;
}

/** The index inside `[k]`, as jsonparser reads path elements (`[abc]` reads as 0, as Go ignores the error). */
function pathIndex(k: string): number {
  const n = atoi(k.slice(1, k.length - 1));
  return Number.isNaN(n) ? 0 : n;
}

/**
 * jsonparser's `searchKeys`: the index just past the `:` of the value at `keys` inside
 * `[i, end)` (or `i` itself for no keys), else -1.
 */
function searchKeys(s: string, i: number, end: number, keys: readonly string[], from: number): number {
  const lk = keys.length - from;
  if (lk === 0) return i;
  let keyLevel = 0;
  let level = 0;
  let lastMatched = true;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) {
      i++;
      const keyBegin = i;
      const se = stringEnd(s, i, end);
      if (se === -1) return -1;
      const escaped = lastStringEscaped;
      i = se;
      const keyEnd = i - 1;
      const vo = nextToken(s, i, end);
      if (vo === -1) return -1;
      i = vo;
      if (s.charCodeAt(i) === COLON) {
        if (level < 1) return -1;
        const key = escaped ? unescape(s, keyBegin, keyEnd) : s.slice(keyBegin, keyEnd);
        if (key === undefined) return -1;
        if (level <= lk) {
          if (key === keys[from + level - 1]) {
            lastMatched = true;
            if (keyLevel === level - 1) {
              keyLevel++;
              if (keyLevel === lk) return i + 1;
            }
          } else {
            lastMatched = false;
          }
        } else {
          return -1;
        }
      } else {
        i--;
      }
    } else if (c === LBRACE) {
      if (!lastMatched) {
        const be = blockEnd(s, i, end, LBRACE, RBRACE);
        if (be === -1) return -1;
        i = be - 1;
      } else {
        level++;
      }
    } else if (c === RBRACE) {
      level--;
      if (level === keyLevel) keyLevel--;
    } else if (c === LBRACKET) {
      const k = keys[from + level];
      if (keyLevel === level && k !== undefined && k.charCodeAt(0) === LBRACKET) {
        if (k.length < 3 || k.charCodeAt(k.length - 1) !== RBRACKET) return -1;
        const aIdx = atoi(k.slice(1, k.length - 1));
        if (Number.isNaN(aIdx)) return -1;
        let curIdx = 0;
        let foundStart = -1;
        let foundEnd = -1;
        arrayEach(s, i, end, (vs, ve, type) => {
          if (curIdx === aIdx) {
            // jsonparser hands the sub-search a string element with its quotes.
            foundStart = type === JsonType.String ? vs - 1 : vs;
            foundEnd = type === JsonType.String ? ve + 1 : ve;
          }
          curIdx++;
        });
        if (foundStart === -1) return -1;
        const sub = searchKeys(s, foundStart, foundEnd, keys, from + level + 1);
        if (sub < 0) return -1;
        return sub;
      }
      const skip = blockEnd(s, i, end, LBRACKET, RBRACKET);
      if (skip === -1) return -1;
      i = skip - 1;
    } else if (c === COLON) {
      return -1;
    }
    i++;
  }
  return -1;
}

/** Called by `eachKey` for each path found (`idx` -1 with an error for malformed input). */
export type PathCallback = (idx: number, vStart: number, vEnd: number, type: JsonType, error: string | undefined) => void;

function sameTree(p: readonly string[], buf: readonly string[], level: number): boolean {
  const n = Math.min(p.length, level);
  for (let k = 0; k < n; k++) if (p[k] !== buf[k]) return false;
  return true;
}

/**
 * jsonparser's `EachKey`: one pass over `s` that calls `cb` for each of `paths` found, in
 * document order. A path element `[n]` indexes an array; any other element is an object
 * key. Faithful to the library's quirks, which Loki inherits (e.g. keys are matched by
 * nesting depth, a path is reported at most once).
 */
export function eachKey(s: string, paths: readonly (readonly string[])[], cb: PathCallback): void {
  const ln = s.length;
  let level = 0;
  let pathsMatched = 0;
  let i = 0;
  const pathFlags = new Array<boolean>(paths.length).fill(false);
  let maxPath = 0;
  for (const p of paths) if (p.length > maxPath) maxPath = p.length;
  const pathsBuf = new Array<string>(maxPath).fill('');
  while (i < ln) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) {
      i++;
      const keyBegin = i;
      const se = stringEnd(s, i, ln);
      if (se === -1) return;
      const escaped = lastStringEscaped;
      i = se;
      const keyEnd = i - 1;
      const vo = nextToken(s, i, ln);
      if (vo === -1) return;
      i = vo;
      if (s.charCodeAt(i) === COLON) {
        let match = -1;
        const key = escaped ? unescape(s, keyBegin, keyEnd) : s.slice(keyBegin, keyEnd);
        if (key === undefined) return;
        if (maxPath >= level) {
          if (level < 1) {
            cb(-1, 0, 0, JsonType.Unknown, MALFORMED_JSON);
            return;
          }
          pathsBuf[level - 1] = key;
          for (let pi = 0; pi < paths.length; pi++) {
            const p = paths[pi]!;
            if (p.length !== level || pathFlags[pi] || key !== p[level - 1] || !sameTree(p, pathsBuf, level)) continue;
            match = pi;
            pathsMatched++;
            pathFlags[pi] = true;
            const v = get(s, i + 1, ln);
            cb(pi, v.start, v.end, v.type, v.error);
            if (pathsMatched === paths.length) break;
          }
          if (pathsMatched === paths.length) return;
        }
        if (match === -1) {
          // jsonparser means to skip an unmatched object value here, but its offset lands
          // one before the value, so this only repositions (kept for exactness).
          const t = nextToken(s, i + 1, ln);
          i = t === -1 ? i - 1 : t - 1;
          if (i >= 0 && s.charCodeAt(i) === LBRACE) {
            const be = blockEnd(s, i, ln, LBRACE, RBRACE);
            if (be !== -1) i = be + 1;
          }
        }
        if (i < ln) {
          const d = s.charCodeAt(i);
          if (d === LBRACE || d === RBRACE || d === LBRACKET || d === QUOTE) i--;
        }
      } else {
        i--;
      }
    } else if (c === LBRACE) {
      level++;
    } else if (c === RBRACE) {
      level--;
    } else if (c === LBRACKET) {
      if (level < 0) {
        cb(-1, 0, 0, JsonType.Unknown, MALFORMED_JSON);
        return;
      }
      const arrIdx = new Set<number>();
      const pIdx = new Array<boolean>(paths.length).fill(false);
      for (let pi = 0; pi < paths.length; pi++) {
        const p = paths[pi]!;
        if (p.length < level + 1 || pathFlags[pi] || p[level]!.charCodeAt(0) !== LBRACKET || !sameTree(p, pathsBuf, level)) continue;
        if (p[level]!.length >= 2) {
          arrIdx.add(pathIndex(p[level]!));
          pIdx[pi] = true;
        }
      }
      if (arrIdx.size > 0) {
        level++;
        const lvl = level;
        let curIdx = 0;
        const arrOff = arrayEach(s, i, ln, (vs, ve, type) => {
          if (arrIdx.has(curIdx)) {
            for (let pi = 0; pi < paths.length; pi++) {
              if (!pIdx[pi]) continue;
              const p = paths[pi]!;
              if (curIdx !== pathIndex(p[lvl - 1]!)) continue;
              const of = searchKeys(s, vs, ve, p, lvl);
              pathsMatched++;
              pathFlags[pi] = true;
              if (of !== -1) {
                if (type === JsonType.String) {
                  cb(pi, of, ve, JsonType.String, undefined);
                } else {
                  const v = get(s, of, ve);
                  cb(pi, v.start, v.end, v.type, v.error);
                }
              }
            }
          }
          curIdx++;
        });
        if (pathsMatched === paths.length) return;
        i = arrOff - 1;
      } else {
        const skip = blockEnd(s, i, ln, LBRACKET, RBRACKET);
        if (skip === -1) return;
        i = skip - 1;
      }
    } else if (c === RBRACKET) {
      level--;
    }
    i++;
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/** Four hex digits at `s[i..i+4)` (after `\u`), or -1. */
function hex4(s: string, i: number, end: number): number {
  if (i + 4 > end) return -1;
  const a = hexValue(s.charCodeAt(i));
  const b = hexValue(s.charCodeAt(i + 1));
  const c = hexValue(s.charCodeAt(i + 2));
  const d = hexValue(s.charCodeAt(i + 3));
  if (a < 0 || b < 0 || c < 0 || d < 0) return -1;
  return (a << 12) | (b << 8) | (c << 4) | d;
}

/**
 * jsonparser's `Unescape` of the string content `[start, end)`: `\" \\ \/ \b \f \n \r \t`
 * and `\uXXXX` (a surrogate pair must be two escapes). Undefined when an escape is
 * invalid, as Go's `MalformedStringEscapeError`; a lone surrogate escape is refused too.
 */
export function unescape(s: string, start: number, end: number): string | undefined {
  let bs = s.indexOf('\\', start);
  if (bs === -1 || bs >= end) return s.slice(start, end);
  let out = s.slice(start, bs);
  while (bs !== -1 && bs < end) {
    if (bs + 1 >= end) return undefined;
    const e = s.charCodeAt(bs + 1);
    let consumed = 2;
    switch (e) {
      case 0x22: out += '"'; break;
      case 0x5c: out += '\\'; break;
      case 0x2f: out += '/'; break;
      case 0x62: out += '\b'; break;
      case 0x66: out += '\f'; break;
      case 0x6e: out += '\n'; break;
      case 0x72: out += '\r'; break;
      case 0x74: out += '\t'; break;
      case 0x75: {
        const r = hex4(s, bs + 2, end);
        if (r < 0) return undefined;
        if (r < 0xd800 || r > 0xdfff) {
          out += String.fromCharCode(r);
          consumed = 6;
          break;
        }
        // A surrogate must be a high one followed by an escaped low one.
        if (r >= 0xdc00 || s.charCodeAt(bs + 6) !== BACKSLASH || s.charCodeAt(bs + 7) !== 0x75) return undefined;
        const r2 = hex4(s, bs + 8, end);
        if (r2 < 0xdc00 || r2 > 0xdfff) return undefined;
        out += String.fromCharCode(r, r2);
        consumed = 12;
        break;
      }
      default:
        return undefined;
    }
    const from = bs + consumed;
    bs = s.indexOf('\\', from);
    const stop = bs === -1 || bs >= end ? end : bs;
    out += s.slice(from, stop);
  }
  return out;
}
