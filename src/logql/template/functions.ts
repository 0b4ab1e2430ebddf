/**
 * The functions a LogQL template can call: Go's text/template builtins, the functions
 * Loki adds (pkg/logql/log/fmt.go: `ToLower`, `regexReplaceAll`, `count`, `bytes`,
 * `duration`, `unixToTime`, `alignLeft`, …) and the sprig functions Loki allow-lists
 * (`lower`, `trunc`, `add`, `addf`, `date`, `default`, `fromJson`, …), each with its Go
 * signature so the executor checks and converts arguments as Go's reflection does.
 *
 * A function reports a Go error (or a Go panic) by throwing GoFuncError with Go's text;
 * the executor prefixes `error calling NAME: `.
 */
import type RE2 from 're2';
import { GO_SPACE, goParseBytes, goParseDuration } from '../go-convert.js';
import { goQuote } from '../go-text.js';
import { GoFuncError } from './errors.js';
import { decimalAdd, decimalDiv, decimalFromFloat, decimalMul, decimalSub, decimalToFloat } from './go-decimal.js';
import { sprint, sprintf, sprintln, sprint1 } from './go-fmt.js';
import { base64Decode, castToFloat64, castToInt64, queryEscape, queryUnescape } from './go-strconv.js';
import { LOCAL, UTC, ZERO_TIME, formatTime, loadLocation, parseTime, unixTime } from './go-time.js';
import { GoInt, GoTime, LabelsValue, goInt, goKind, goTypeName, int64, isAscii, isTrue, sliceBytes, utf8Length, type GoValue } from './values.js';

/** How an argument is checked and converted: Go's parameter type. */
export type ParamType = 'string' | 'int' | 'float64' | 'bool' | 'time' | 'any' | 'value';

/** Go's spelling of a parameter type in error messages. */
export function paramTypeName(t: ParamType): string {
  switch (t) {
    case 'time':
      return 'time.Time';
    case 'any':
      return 'interface {}';
    case 'value':
      return 'reflect.Value';
    default:
      return t;
  }
}

/** What a function may use besides its arguments. */
export interface FuncContext {
  /** The entry's line, for `__line__`. */
  readonly line: string;
  /** The entry's time, for `__timestamp__`. */
  readonly time: GoTime;
  /** Wall clock in milliseconds, for `now` and sprig's `date` of a non-time. */
  nowMs(): number;
  /** A compiled Go regexp (cached per template); throws Go's `error parsing regexp: …`. */
  regexp(pattern: string): RE2;
}

/** A template function with its Go signature. */
export interface GoFunc {
  readonly params: readonly ParamType[];
  /** Element type of a trailing `...` parameter. */
  readonly variadic?: ParamType;
  /** Builtins `and`/`or` evaluate their arguments lazily; the executor runs them itself. */
  readonly shortCircuit?: boolean;
  call(args: GoValue[], ctx: FuncContext): GoValue;
}

const fn = (params: readonly ParamType[], call: GoFunc['call'], variadic?: ParamType): GoFunc => ({ params, call, variadic });
const str = (v: GoValue): string => v as string;
const num = (v: GoValue): number => Number((v as GoInt).v);

/** Go's `unicode.IsSpace`. */

function trimLeftSet(s: string, cut: string): string {
  let i = 0;
  while (i < s.length) {
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (!cut.includes(ch)) break;
    i += ch.length;
  }
  return s.slice(i);
}

function trimRightSet(s: string, cut: string): string {
  let j = s.length;
  while (j > 0) {
    const c = s.charCodeAt(j - 1);
    const w = c >= 0xdc00 && c <= 0xdfff && j >= 2 ? 2 : 1;
    if (!cut.includes(s.slice(j - w, j))) break;
    j -= w;
  }
  return s.slice(0, j);
}

/** Go's `strings.Replace(s, old, new, n)`; n < 0 replaces every match, an empty `old` matches between runes. */
function goReplace(s: string, old: string, rep: string, n: number): string {
  if (n === 0 || old === rep) return s;
  if (old === '') {
    const runes = [...s];
    let out = '';
    let done = 0;
    for (let i = 0; i <= runes.length; i++) {
      if (n < 0 || done < n) {
        out += rep;
        done++;
      }
      if (i < runes.length) out += runes[i];
    }
    return out;
  }
  if (n < 0) return s.split(old).join(rep);
  let out = '';
  let from = 0;
  for (let k = 0; k < n; k++) {
    const at = s.indexOf(old, from);
    if (at < 0) break;
    out += s.slice(from, at) + rep;
    from = at + old.length;
  }
  return out + s.slice(from);
}

/** Go's `strings.Repeat`, with its panics. */
function goRepeat(s: string, count: number): string {
  if (count < 0) throw new GoFuncError('strings: negative Repeat count');
  // JS strings stop near 2^29 characters; Go would exhaust memory first. Either way: refuse.
  if (s.length * count > 1 << 28) throw new GoFuncError('strings: Repeat output length overflow');
  return s.repeat(count);
}

/** Go's (deprecated) `strings.Title`: upper-cases the first letter of each word. */
function goTitle(s: string): string {
  let out = '';
  let prev = ' ';
  for (const ch of s) {
    out += isSeparator(prev) ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

function isSeparator(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  if (c <= 0x7f) return !/[0-9A-Za-z_]/.test(ch);
  if (/[\p{L}\p{Nd}]/u.test(ch)) return false;
  return GO_SPACE.includes(ch);
}

/** Go's panic text for `s[a:b]` out of range, as safeCall reports it. */
function sliceBoundsError(a: number | undefined, b: number | undefined, len: number): GoFuncError {
  if (b !== undefined && (b > len || b < 0)) return new GoFuncError(`runtime error: slice bounds out of range [:${b}] with length ${len}`);
  if (a !== undefined && b === undefined) return new GoFuncError(`runtime error: slice bounds out of range [${a}:${len}]`);
  return new GoFuncError(`runtime error: slice bounds out of range [${a}:${b}]`);
}

/** Go's `s[a:b]` on a string's bytes, with Go's panics (undefined = omitted bound). */
function goSlice(s: string, a: number | undefined, b: number | undefined): string {
  const len = utf8Length(s);
  const lo = a ?? 0;
  const hi = b ?? len;
  if (hi < 0 || hi > len) throw sliceBoundsError(a, hi, len);
  if (lo < 0 || lo > hi) throw sliceBoundsError(lo, b === undefined ? undefined : hi, len);
  return sliceBytes(s, lo, hi);
}

/** Runes of a string (for Loki's rune-based alignLeft/alignRight). */
function runes(s: string): string[] {
  return isAscii(s) ? s.split('') : [...s];
}

/** Go's regexp `Expand` template syntax: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
function expand(tmpl: string, m: RegExpExecArray): string {
  if (!tmpl.includes('$')) return tmpl;
  let out = '';
  let i = 0;
  while (i < tmpl.length) {
    const d = tmpl.indexOf('$', i);
    if (d < 0) {
      out += tmpl.slice(i);
      break;
    }
    out += tmpl.slice(i, d);
    if (tmpl[d + 1] === '$') {
      out += '$';
      i = d + 2;
      continue;
    }
    const brace = tmpl[d + 1] === '{';
    const start = d + (brace ? 2 : 1);
    let j = start;
    while (j < tmpl.length && /[\p{L}\p{Nd}_]/u.test(tmpl[j]!)) j++;
    if (j === start || (brace && tmpl[j] !== '}')) {
      // Malformed: the $ is literal text.
      out += '$';
      i = d + 1;
      continue;
    }
    const name = tmpl.slice(start, j);
    i = brace ? j + 1 : j;
    if (/^\d+$/.test(name)) {
      const n = Number(name);
      out += n < m.length ? (m[n] ?? '') : '';
    } else out += m.groups?.[name] ?? '';
  }
  return out;
}

/** Go's `ReplaceAllString`/`ReplaceAllLiteralString`: empty matches right after a match are skipped. */
function replaceAll(re: RE2, s: string, repl: string, literal: boolean): string {
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= s.length) {
    re.lastIndex = searchPos;
    const m = re.exec(s);
    if (m === null) break;
    const a = m.index;
    const b = a + m[0].length;
    out += s.slice(lastMatchEnd, a);
    if (b > lastMatchEnd || a === 0) out += literal ? repl : expand(repl, m);
    lastMatchEnd = b;
    const width = searchPos < s.length ? (s.codePointAt(searchPos)! > 0xffff ? 2 : 1) : 1;
    searchPos = searchPos + width > b ? searchPos + width : b;
  }
  return out + s.slice(lastMatchEnd);
}

/** Go's `FindAllStringIndex(s, -1)` count. */
function countMatches(re: RE2, s: string): number {
  let n = 0;
  let pos = 0;
  let prevMatchEnd = -1;
  while (pos <= s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (m === null) break;
    const end = m.index + m[0].length;
    let accept = true;
    if (end === pos) {
      if (m.index === prevMatchEnd) accept = false;
      pos += pos < s.length && s.codePointAt(pos)! > 0xffff ? 2 : 1;
    } else pos = end;
    prevMatchEnd = end;
    if (accept) n++;
  }
  return n;
}

/** go-humanize's `ParseBytes`, its error as the function's. */
function parseBytes(s: string): number {
  const r = goParseBytes(s);
  if (typeof r !== 'number') throw new GoFuncError(r.error);
  return r;
}

/** Go's `time.ParseDuration` in nanoseconds, its error as the function's. */
function parseDuration(s: string): number {
  const r = goParseDuration(s);
  if (typeof r !== 'number') throw new GoFuncError(r.error);
  return r;
}

/** Go's `time.Time` from `time.Unix(sec, 0)` for sprig's integer dates. */
function dateArg(v: GoValue, ctx: FuncContext): GoTime {
  if (v instanceof GoTime) return v;
  if (v instanceof GoInt && (v.type === 'int' || v.type === 'int64' || v.type === 'int32')) return unixTime(Number(v.v), 0);
  return nowTime(ctx);
}

function nowTime(ctx: FuncContext): GoTime {
  const ms = ctx.nowMs();
  const sec = Math.floor(ms / 1000);
  return new GoTime(sec, Math.round((ms - sec * 1000) * 1e6), LOCAL);
}

function toInt64(v: GoValue): bigint {
  return castToInt64(v instanceof GoInt ? v.v : v);
}

function toFloat64(v: GoValue): number {
  return castToFloat64(v instanceof GoInt ? v.v : v);
}

/** Converts `JSON.parse` output to template values: objects become maps, numbers float64. */
function fromJsonValue(v: unknown): GoValue {
  if (v === null || typeof v !== 'object') return v as GoValue;
  if (Array.isArray(v)) return v.map(fromJsonValue);
  const m = new Map<string, GoValue>();
  for (const [k, x] of Object.entries(v)) m.set(k, fromJsonValue(x));
  return m;
}

/** sprig's `empty`: the zero value of its type (structs never). */
function empty(v: GoValue): boolean {
  return goKind(v) === 'struct' ? false : !isTrue(v);
}

/** evalArgs of text/template: one string as is, else Sprint with nil shown as `<no value>`. */
function evalArgs(args: GoValue[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === null || a === undefined ? '<no value>' : a)));
}

function htmlEscape(s: string): string {
  return s.replace(/["'&<>\0]/g, (c) => ({ '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;', '\0': '\ufffd' })[c]!);
}

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) {
      switch (ch) {
        case '\\':
          out += '\\\\';
          continue;
        case "'":
          out += "\\'";
          continue;
        case '"':
          out += '\\"';
          continue;
        case '<':
          out += '\\u003C';
          continue;
        case '>':
          out += '\\u003E';
          continue;
        case '&':
          out += '\\u0026';
          continue;
        case '=':
          out += '\\u003D';
          continue;
      }
      out += c < 0x20 ? '\\u00' + c.toString(16).toUpperCase().padStart(2, '0') : ch;
    } else out += /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(ch) ? ch : '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Comparisons (text/template funcs.go)

type BasicKind = 'bool' | 'int' | 'uint' | 'float' | 'string' | 'invalid';

function basicKind(v: GoValue): BasicKind {
  const k = goKind(v);
  return k === 'bool' || k === 'int' || k === 'uint' || k === 'float' || k === 'string' ? k : 'invalid';
}

function unwrapNil(v: GoValue): GoValue {
  return v === undefined ? null : v;
}

function eq1(a: GoValue, b: GoValue): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 !== k2) {
    if ((k1 === 'int' || k1 === 'uint') && (k2 === 'int' || k2 === 'uint')) return (a as GoInt).v === (b as GoInt).v;
    if (a !== null && b !== null) throw new GoFuncError(`incompatible types for comparison: ${goTypeName(a)} and ${goTypeName(b)}`);
    return false;
  }
  switch (k1) {
    case 'bool':
    case 'float':
    case 'string':
      return a === b;
    case 'int':
    case 'uint':
      return (a as GoInt).v === (b as GoInt).v;
  }
  if (a === null || b === null) return a === b;
  if (goKind(a) !== goKind(b)) throw new GoFuncError(`non-comparable types ${sprint1(a)}: ${goTypeName(a)}, ${goTypeName(b)}: ${sprint1(b)}`);
  if (a instanceof GoTime && b instanceof GoTime) return a.sec === b.sec && a.nsec === b.nsec && a.loc === b.loc;
  throw new GoFuncError(`non-comparable type ${sprint1(b)}: ${goTypeName(b)}`);
}

function lt1(a: GoValue, b: GoValue): boolean {
  const k1 = basicKind(a);
  if (k1 === 'invalid') throw new GoFuncError('invalid type for comparison');
  const k2 = basicKind(b);
  if (k2 === 'invalid') throw new GoFuncError('invalid type for comparison');
  if (k1 !== k2) {
    if ((k1 === 'int' || k1 === 'uint') && (k2 === 'int' || k2 === 'uint')) return (a as GoInt).v < (b as GoInt).v;
    throw new GoFuncError(`incompatible types for comparison: ${goTypeName(a)} and ${goTypeName(b)}`);
  }
  switch (k1) {
    case 'bool':
      throw new GoFuncError('invalid type for comparison');
    case 'int':
    case 'uint':
      return (a as GoInt).v < (b as GoInt).v;
    default:
      return (a as string | number) < (b as string | number);
  }
}

function le1(a: GoValue, b: GoValue): boolean {
  return lt1(a, b) || eq1(a, b);
}

// ---------------------------------------------------------------------------------------
// index / slice / len (text/template funcs.go)

function indexArg(index: GoValue, cap: number): number {
  if (index === null || index === undefined) throw new GoFuncError('cannot index slice/array with nil');
  if (!(index instanceof GoInt)) throw new GoFuncError(`cannot index slice/array with type ${goTypeName(index)}`);
  if (index.v < 0n || index.v > BigInt(cap)) throw new GoFuncError(`index out of range: ${index.v}`);
  return Number(index.v);
}

function goIndex(args: GoValue[]): GoValue {
  let item = unwrapNil(args[0]);
  if (item === null) throw new GoFuncError('index of untyped nil');
  for (let i = 1; i < args.length; i++) {
    const index = unwrapNil(args[i]);
    if (item === undefined || item === null) throw new GoFuncError('index of nil pointer');
    if (typeof item === 'string') {
      const len = utf8Length(item);
      const x = indexArg(index, len);
      if (x === len) throw new GoFuncError('reflect: string index out of range');
      item = goInt(isAscii(item) ? item.charCodeAt(x) : Buffer.from(item, 'utf8')[x]!, 'uint8');
    } else if (Array.isArray(item)) {
      const list = item as readonly GoValue[];
      const x = indexArg(index, list.length);
      if (x === list.length) throw new GoFuncError('reflect: slice index out of range');
      const e = list[x];
      item = e === null ? undefined : e;
    } else if (item instanceof LabelsValue || item instanceof Map) {
      if (index === null) throw new GoFuncError('value is nil; should be of type string');
      if (typeof index !== 'string') throw new GoFuncError(`value has type ${goTypeName(index)}; should be string`);
      if (item instanceof LabelsValue) item = item.labels.get(index) ?? '';
      else {
        const e = item.get(index);
        item = e === null ? undefined : e;
      }
    } else throw new GoFuncError(`can't index item of type ${goTypeName(item)}`);
  }
  return item;
}

function goSliceBuiltin(args: GoValue[]): GoValue {
  const item = unwrapNil(args[0]);
  if (item === null || item === undefined) throw new GoFuncError('slice of untyped nil');
  const idx = args.slice(1);
  if (idx.length > 3) throw new GoFuncError(`too many slice indexes: ${idx.length}`);
  let len: number;
  if (typeof item === 'string') {
    if (idx.length === 3) throw new GoFuncError('cannot 3-index slice a string');
    len = utf8Length(item);
  } else if (Array.isArray(item)) len = (item as readonly GoValue[]).length;
  else throw new GoFuncError(`can't slice item of type ${goTypeName(item)}`);
  const bounds = [0, len, len];
  idx.forEach((x, i) => (bounds[i] = indexArg(unwrapNil(x), len)));
  if (bounds[0]! > bounds[1]!) throw new GoFuncError(`invalid slice index: ${bounds[0]} > ${bounds[1]}`);
  if (idx.length === 3 && bounds[1]! > bounds[2]!) throw new GoFuncError(`invalid slice index: ${bounds[1]} > ${bounds[2]}`);
  if (typeof item === 'string') return sliceBytes(item, bounds[0]!, bounds[1]!);
  return (item as readonly GoValue[]).slice(bounds[0], bounds[1]);
}

function goLen(v: GoValue): GoValue {
  if (v === undefined) throw new GoFuncError('len of nil pointer');
  if (v === null) throw new GoFuncError('reflect: call of reflect.Value.Type on zero Value');
  if (typeof v === 'string') return goInt(utf8Length(v));
  if (v instanceof LabelsValue) return goInt(v.labels.size);
  if (v instanceof Map) return goInt(v.size);
  if (Array.isArray(v)) return goInt(v.length);
  throw new GoFuncError(`len of type ${goTypeName(v)}`);
}

// ---------------------------------------------------------------------------------------
// The table

const A = 'any' as const;
const S = 'string' as const;
const I = 'int' as const;
const V = 'value' as const;

/** Every function a LogQL template may name, keyed by name. */
export const FUNCTIONS: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
  // --- text/template builtins ---
  ['and', { params: [V], variadic: V, shortCircuit: true, call: () => null }],
  ['or', { params: [V], variadic: V, shortCircuit: true, call: () => null }],
  ['not', fn([V], (a) => !isTrue(a[0]))],
  ['len', fn([V], (a) => goLen(a[0]))],
  ['index', fn([V], goIndex, V)],
  ['slice', fn([V], goSliceBuiltin, V)],
  [
    'call',
    fn(
      [V],
      (a) => {
        const f = unwrapNil(a[0]);
        throw new GoFuncError(f === null ? 'call of nil' : `non-function of type ${goTypeName(f)}`);
      },
      V,
    ),
  ],
  ['html', fn([], (a) => htmlEscape(evalArgs(a)), A)],
  ['js', fn([], (a) => jsEscape(evalArgs(a)), A)],
  ['urlquery', fn([], (a) => queryEscape(evalArgs(a)), A)],
  ['print', fn([], (a) => sprint(a), A)],
  ['printf', fn([S], (a) => sprintf(str(a[0]), a.slice(1)), A)],
  ['println', fn([], (a) => sprintln(a), A)],
  [
    'eq',
    fn(
      [V],
      (a) => {
        if (a.length < 2) throw new GoFuncError('missing argument for comparison');
        const first = unwrapNil(a[0]);
        for (let i = 1; i < a.length; i++) if (eq1(first, unwrapNil(a[i]))) return true;
        return false;
      },
      V,
    ),
  ],
  ['ne', fn([V, V], (a) => !eq1(unwrapNil(a[0]), unwrapNil(a[1])))],
  ['lt', fn([V, V], (a) => lt1(unwrapNil(a[0]), unwrapNil(a[1])))],
  ['le', fn([V, V], (a) => le1(unwrapNil(a[0]), unwrapNil(a[1])))],
  ['gt', fn([V, V], (a) => !le1(unwrapNil(a[0]), unwrapNil(a[1])))],
  ['ge', fn([V, V], (a) => !lt1(unwrapNil(a[0]), unwrapNil(a[1])))],

  // --- Loki (pkg/logql/log/fmt.go) ---
  ['__line__', fn([], (_a, ctx) => ctx.line)],
  ['__timestamp__', fn([], (_a, ctx) => ctx.time)],
  ['ToLower', fn([S], (a) => str(a[0]).toLowerCase())],
  ['ToUpper', fn([S], (a) => str(a[0]).toUpperCase())],
  ['Replace', fn([S, S, S, I], (a) => goReplace(str(a[0]), str(a[1]), str(a[2]), num(a[3])))],
  ['Trim', fn([S, S], (a) => trimRightSet(trimLeftSet(str(a[0]), str(a[1])), str(a[1])))],
  ['TrimLeft', fn([S, S], (a) => trimLeftSet(str(a[0]), str(a[1])))],
  ['TrimRight', fn([S, S], (a) => trimRightSet(str(a[0]), str(a[1])))],
  ['TrimPrefix', fn([S, S], (a) => (str(a[0]).startsWith(str(a[1])) ? str(a[0]).slice(str(a[1]).length) : str(a[0])))],
  ['TrimSuffix', fn([S, S], (a) => (str(a[0]).endsWith(str(a[1])) ? str(a[0]).slice(0, str(a[0]).length - str(a[1]).length) : str(a[0])))],
  ['TrimSpace', fn([S], (a) => trimRightSet(trimLeftSet(str(a[0]), GO_SPACE), GO_SPACE))],
  ['regexReplaceAll', fn([S, S, S], (a, ctx) => replaceAll(ctx.regexp(str(a[0])), str(a[1]), str(a[2]), false))],
  ['regexReplaceAllLiteral', fn([S, S, S], (a, ctx) => replaceAll(ctx.regexp(str(a[0])), str(a[1]), str(a[2]), true))],
  ['count', fn([S, S], (a, ctx) => goInt(countMatches(ctx.regexp(str(a[0])), str(a[1]))))],
  ['urldecode', fn([S], (a) => queryUnescapeOrThrow(str(a[0])))],
  ['urlencode', fn([S], (a) => queryEscape(str(a[0])))],
  ['bytes', fn([S], (a) => parseBytes(str(a[0])))],
  ['duration', fn([S], (a) => parseDuration(str(a[0])) / 1e9)],
  ['duration_seconds', fn([S], (a) => parseDuration(str(a[0])) / 1e9)],
  ['unixEpochMillis', fn(['time'], (a) => String((a[0] as GoTime).sec * 1000 + Math.floor((a[0] as GoTime).nsec / 1e6)))],
  ['unixEpochNanos', fn(['time'], (a) => String(BigInt.asIntN(64, BigInt((a[0] as GoTime).sec) * 1_000_000_000n + BigInt((a[0] as GoTime).nsec))))],
  [
    'toDateInZone',
    fn([S, S, S], (a) => {
      const loc = loadLocation(str(a[1])) ?? UTC;
      return parseTime(str(a[0]), str(a[2]), loc) ?? ZERO_TIME;
    }),
  ],
  ['unixToTime', fn([S], (a) => unixToTime(str(a[0])))],
  [
    'alignLeft',
    fn([I, S], (a) => {
      const [count, src] = [num(a[0]), str(a[1])];
      const r = runes(src);
      if (count < 0 || count === r.length) return src;
      return count > r.length ? src + ' '.repeat(count - r.length) : r.slice(0, count).join('');
    }),
  ],
  [
    'alignRight',
    fn([I, S], (a) => {
      const [count, src] = [num(a[0]), str(a[1])];
      const r = runes(src);
      if (count < 0 || count === r.length) return src;
      return count > r.length ? ' '.repeat(count - r.length) + src : r.slice(r.length - count).join('');
    }),
  ],

  // --- sprig, as allow-listed by Loki ---
  ['b64enc', fn([S], (a) => Buffer.from(str(a[0]), 'utf8').toString('base64'))],
  [
    'b64dec',
    fn([S], (a) => {
      // sprig returns the error text as the result instead of failing.
      try {
        return base64Decode(str(a[0])).toString('utf8');
      } catch (e) {
        return (e as Error).message;
      }
    }),
  ],
  ['lower', fn([S], (a) => str(a[0]).toLowerCase())],
  ['upper', fn([S], (a) => str(a[0]).toUpperCase())],
  ['title', fn([S], (a) => goTitle(str(a[0])))],
  [
    'trunc',
    fn([I, S], (a) => {
      const [c, s] = [num(a[0]), str(a[1])];
      const len = utf8Length(s);
      if (c < 0 && len + c > 0) return sliceBytes(s, len + c, len);
      if (c >= 0 && len > c) return sliceBytes(s, 0, c);
      return s;
    }),
  ],
  [
    'substr',
    fn([I, I, S], (a) => {
      const [start, end, s] = [num(a[0]), num(a[1]), str(a[2])];
      if (start < 0) return goSlice(s, undefined, end);
      if (end < 0 || end > utf8Length(s)) return goSlice(s, start, undefined);
      return goSlice(s, start, end);
    }),
  ],
  ['contains', fn([S, S], (a) => str(a[1]).includes(str(a[0])))],
  ['hasPrefix', fn([S, S], (a) => str(a[1]).startsWith(str(a[0])))],
  ['hasSuffix', fn([S, S], (a) => str(a[1]).endsWith(str(a[0])))],
  ['indent', fn([I, S], (a) => indent(num(a[0]), str(a[1])))],
  ['nindent', fn([I, S], (a) => '\n' + indent(num(a[0]), str(a[1])))],
  ['replace', fn([S, S, S], (a) => goReplace(str(a[2]), str(a[0]), str(a[1]), -1))],
  ['repeat', fn([I, S], (a) => goRepeat(str(a[1]), num(a[0])))],
  ['trim', fn([S], (a) => trimRightSet(trimLeftSet(str(a[0]), GO_SPACE), GO_SPACE))],
  ['trimAll', fn([S, S], (a) => trimRightSet(trimLeftSet(str(a[1]), str(a[0])), str(a[0])))],
  ['trimSuffix', fn([S, S], (a) => (str(a[1]).endsWith(str(a[0])) ? str(a[1]).slice(0, str(a[1]).length - str(a[0]).length) : str(a[1])))],
  ['trimPrefix', fn([S, S], (a) => (str(a[1]).startsWith(str(a[0])) ? str(a[1]).slice(str(a[0]).length) : str(a[1])))],
  ['int', fn([A], (a) => new GoInt(BigInt.asIntN(64, toInt64(a[0])), 'int'))],
  ['float64', fn([A], (a) => toFloat64(a[0]))],
  ['add', fn([], (a) => int64(a.reduce<bigint>((s, x) => s + toInt64(x), 0n)), A)],
  ['sub', fn([A, A], (a) => int64(toInt64(a[0]) - toInt64(a[1])))],
  ['mul', fn([A], (a) => int64(a.slice(1).reduce<bigint>((s, x) => BigInt.asIntN(64, s * toInt64(x)), toInt64(a[0]))), A)],
  ['div', fn([A, A], (a) => int64(intDivide(toInt64(a[0]), toInt64(a[1]), false)))],
  ['mod', fn([A, A], (a) => int64(intDivide(toInt64(a[0]), toInt64(a[1]), true)))],
  ['addf', fn([], (a) => decimalToFloat(a.reduce((s, x) => decimalAdd(s, decimalFromFloat(toFloat64(x))), decimalFromFloat(0))), A)],
  ['subf', fn([A], (a) => decimalOp(a, decimalSub), A)],
  ['mulf', fn([A], (a) => decimalOp(a, decimalMul), A)],
  ['divf', fn([A], (a) => decimalOp(a, decimalDiv), A)],
  ['max', fn([A], (a) => int64(a.slice(1).reduce<bigint>((m, x) => (toInt64(x) > m ? toInt64(x) : m), toInt64(a[0]))), A)],
  ['min', fn([A], (a) => int64(a.slice(1).reduce<bigint>((m, x) => (toInt64(x) < m ? toInt64(x) : m), toInt64(a[0]))), A)],
  ['maxf', fn([A], (a) => a.slice(1).reduce<number>((m, x) => Math.max(m, toFloat64(x)), toFloat64(a[0])), A)],
  ['minf', fn([A], (a) => a.slice(1).reduce<number>((m, x) => Math.min(m, toFloat64(x)), toFloat64(a[0])), A)],
  ['ceil', fn([A], (a) => Math.ceil(toFloat64(a[0])))],
  ['floor', fn([A], (a) => Math.floor(toFloat64(a[0])))],
  [
    'round',
    fn(
      [A, I],
      (a) => {
        const roundOn = a.length > 2 ? (a[2] as number) : 0.5;
        const pow = Math.pow(10, num(a[1]));
        const digit = pow * toFloat64(a[0]);
        const frac = digit % 1;
        return (frac >= roundOn ? Math.ceil(digit) : Math.floor(digit)) / pow;
      },
      'float64',
    ),
  ],
  [
    'fromJson',
    fn([S], (a) => {
      try {
        return fromJsonValue(JSON.parse(str(a[0])));
      } catch {
        return null;
      }
    }),
  ],
  ['date', fn([S, A], (a, ctx) => formatTime(inLocal(dateArg(a[1], ctx)), str(a[0])))],
  ['toDate', fn([S, S], (a) => parseTime(str(a[0]), str(a[1]), LOCAL) ?? ZERO_TIME)],
  ['now', fn([], (_a, ctx) => nowTime(ctx))],
  ['unixEpoch', fn(['time'], (a) => String((a[0] as GoTime).sec))],
  ['default', fn([A], (a) => (a.length < 2 || empty(a[1]) ? a[0] : a[1]), A)],
]);

function inLocal(t: GoTime): GoTime {
  return t.loc === LOCAL ? t : new GoTime(t.sec, t.nsec, LOCAL);
}

function indent(spaces: number, s: string): string {
  const pad = goRepeat(' ', spaces);
  return pad + s.replaceAll('\n', '\n' + pad);
}

function intDivide(a: bigint, b: bigint, mod: boolean): bigint {
  if (b === 0n) throw new GoFuncError('runtime error: integer divide by zero');
  return mod ? a % b : a / b;
}

function decimalOp(a: GoValue[], op: typeof decimalAdd): number {
  let acc = decimalFromFloat(toFloat64(a[0]));
  for (let i = 1; i < a.length; i++) acc = op(acc, decimalFromFloat(toFloat64(a[i])));
  return decimalToFloat(acc);
}

function queryUnescapeOrThrow(s: string): string {
  try {
    return queryUnescape(s);
  } catch (e) {
    throw new GoFuncError((e as Error).message);
  }
}

/** Loki's `unixToTime`: the unit follows from the digit count (days, s, ms, µs, ns). */
function unixToTime(epoch: string): GoTime {
  const fail = (why: string): GoFuncError => new GoFuncError(`unable to parse time '${epoch}': ${why}`);
  if (!/^[+-]?\d+$/.test(epoch)) throw fail(`strconv.ParseInt: parsing ${goQuote(epoch)}: invalid syntax`);
  const i = BigInt(epoch);
  if (i < -(1n << 63n) || i >= 1n << 63n) throw fail(`strconv.ParseInt: parsing ${goQuote(epoch)}: value out of range`);
  const n = Number(i);
  switch (epoch.length) {
    case 5:
      return unixTime(n * 86400, 0);
    case 10:
      return unixTime(n, 0);
    case 13:
      return unixTime(Math.floor(n / 1000), (n - Math.floor(n / 1000) * 1000) * 1e6);
    case 16: {
      const sec = i / 1_000_000n - (i % 1_000_000n < 0n ? 1n : 0n);
      return unixTime(Number(sec), Number(i - sec * 1_000_000n) * 1000);
    }
    case 19: {
      const sec = i / 1_000_000_000n - (i % 1_000_000_000n < 0n ? 1n : 0n);
      return unixTime(Number(sec), Number(i - sec * 1_000_000_000n));
    }
  }
  // Loki wraps a nil error here, which Go prints as %!w(<nil>).
  throw fail('%!w(<nil>)');
}
