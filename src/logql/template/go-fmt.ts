/**
 * Go's `fmt` over template values: `Sprint`, `Sprintln`, `Sprintf` with Go's verbs, flags,
 * width and precision, and Go's in-band error texts (`%!d(string=x)`, `%!s(MISSING)`,
 * `%!(EXTRA int=1)`). Floats are formatted from exact decimal expansions, rounding half to
 * even as Go's strconv does (`%.2f` of 0.125 is `0.12`).
 */
import { formatGoDurationNs, goQuote } from '../go-text.js';
import { canBackquote, quoteRune, quoteToASCII } from './go-strconv.js';
import { monthName, timeString, weekdayName } from './go-time.js';
import { GoInt, GoStruct, GoTime, LabelsValue, goTypeName, isGoNamed, type GoValue } from './values.js';

// ---------------------------------------------------------------------------------------
// Float formatting (strconv.FormatFloat)

/** Decimal digits of |x| without leading or trailing zeros, and the decimal point position: |x| = 0.d1d2… × 10^dp. */
interface Digits {
  d: string;
  dp: number;
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** The exact decimal expansion of a finite double. */
function exactDigits(x: number): Digits {
  f64[0] = Math.abs(x);
  const bits = u64[0]!;
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let exp: number;
  if (expBits === 0) exp = -1074;
  else {
    mant |= 1n << 52n;
    exp = expBits - 1075;
  }
  if (mant === 0n) return { d: '', dp: 0 };
  let s: string;
  let dp: number;
  if (exp >= 0) {
    s = (mant << BigInt(exp)).toString();
    dp = s.length;
  } else {
    s = (mant * 5n ** BigInt(-exp)).toString();
    dp = s.length + exp;
  }
  return trimDigits({ d: s, dp });
}

function trimDigits(g: Digits): Digits {
  let end = g.d.length;
  while (end > 0 && g.d[end - 1] === '0') end--;
  return { d: g.d.slice(0, end), dp: end === 0 ? 0 : g.dp };
}

/** The shortest digits that read back as x (what JS and Go's `-1` precision both produce). */
function shortestDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  const [m, e] = Math.abs(x).toExponential().split('e') as [string, string];
  return trimDigits({ d: m.replace('.', ''), dp: Number(e) + 1 });
}

/** Rounds exact digits to `nd` digits, half to even. */
function roundDigits(g: Digits, nd: number): Digits {
  if (nd < 0) return { d: '', dp: g.dp };
  if (nd >= g.d.length) return g;
  const first = g.d.charCodeAt(nd) - 48;
  let up: boolean;
  if (first > 5) up = true;
  else if (first < 5) up = false;
  else if (nd + 1 < g.d.length) up = true; // digits are trimmed, so anything after is nonzero
  else up = nd > 0 && (g.d.charCodeAt(nd - 1) - 48) % 2 === 1;
  let d = g.d.slice(0, nd);
  let dp = g.dp;
  if (up) {
    let i = nd - 1;
    while (i >= 0 && d[i] === '9') i--;
    if (i < 0) {
      d = '1';
      dp++;
    } else d = d.slice(0, i) + String.fromCharCode(d.charCodeAt(i) + 1);
  }
  return trimDigits({ d, dp });
}

function fmtE(g: Digits, prec: number, e: string): string {
  let out = g.d === '' ? '0' : g.d[0]!;
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) out += i < g.d.length ? g.d[i] : '0';
  }
  const exp = g.d === '' ? 0 : g.dp - 1;
  const a = Math.abs(exp);
  return out + e + (exp < 0 ? '-' : '+') + (a < 10 ? '0' : '') + a;
}

function fmtF(g: Digits, prec: number): string {
  let out = '';
  if (g.dp > 0) {
    out = g.d.slice(0, g.dp);
    if (out.length < g.dp) out += '0'.repeat(g.dp - out.length);
  } else out = '0';
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) {
      const j = g.dp + i - 1;
      out += j >= 0 && j < g.d.length ? g.d[j] : '0';
    }
  }
  return out;
}

/**
 * `strconv.FormatFloat(x, verb, prec, 64)` for verbs e, E, f, g, G (prec -1 = shortest),
 * with the sign always present (`+1.5`, `-2`) so fmt can decide how to show it.
 */
export function formatFloat(x: number, verb: string, prec: number): string {
  if (Number.isNaN(x)) return '+NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '+';
  const shortest = prec < 0;
  let g: Digits;
  switch (verb) {
    case 'e':
    case 'E': {
      g = shortest ? shortestDigits(x) : roundDigits(exactDigits(x), prec + 1);
      return sign + fmtE(g, shortest ? Math.max(g.d.length - 1, 0) : prec, verb);
    }
    case 'f': {
      if (shortest) {
        g = shortestDigits(x);
        return sign + fmtF(g, Math.max(g.d.length - g.dp, 0));
      }
      const ex = exactDigits(x);
      g = roundDigits(ex, ex.dp + prec);
      return sign + fmtF(g, prec);
    }
    default: {
      // 'g' / 'G'
      let p = prec;
      if (shortest) g = shortestDigits(x);
      else {
        if (p === 0) p = 1;
        g = roundDigits(exactDigits(x), p);
      }
      let eprec = p;
      if (!shortest && eprec > g.d.length && g.d.length >= g.dp) eprec = g.d.length;
      if (shortest) eprec = 6;
      const exp = g.dp - 1;
      if (g.d !== '' && (exp < -4 || exp >= eprec)) {
        let pe = shortest ? g.d.length : p;
        if (pe > g.d.length) pe = g.d.length;
        return sign + fmtE(g, pe - 1, verb === 'G' ? 'E' : 'e');
      }
      let pf = shortest ? g.d.length : p;
      if (pf > g.dp) pf = g.d.length;
      return sign + fmtF(g, Math.max(pf - g.dp, 0));
    }
  }
}

/** `fmt.Sprint` of a float64 (`%v`): shortest digits, exponent form below 1e-4 and from 1e6 (`1e+06`). */
export function formatFloatV(x: number): string {
  const s = formatFloat(x, 'g', -1);
  return s[0] === '+' ? s.slice(1) : s;
}

// ---------------------------------------------------------------------------------------
// fmt state

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  wid: number;
  widPresent: boolean;
  prec: number;
  precPresent: boolean;
}

function newFlags(): Flags {
  return { plus: false, minus: false, sharp: false, space: false, zero: false, wid: 0, widPresent: false, prec: 0, precPresent: false };
}

const PLAIN: Flags = newFlags();

function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

/** fmt's `pad`: width in runes, spaces (or zeros with the 0 flag) on the left, or on the right with `-`. */
function pad(f: Flags, s: string): string {
  if (!f.widPresent || f.wid === 0) return s;
  const n = f.wid - runeCount(s);
  if (n <= 0) return s;
  if (f.minus) return s + ' '.repeat(n);
  return (f.zero ? '0' : ' ').repeat(n) + s;
}

function truncateRunes(s: string, n: number): string {
  let i = 0;
  for (const ch of s) {
    if (n-- <= 0) return s.slice(0, i);
    i += ch.length;
  }
  return s;
}

function fmtString(f: Flags, verb: string, s: string): string | undefined {
  switch (verb) {
    case 'v':
      if (f.sharp) return goQuote(s);
      return pad(f, f.precPresent ? truncateRunes(s, f.prec) : s);
    case 's':
      return pad(f, f.precPresent ? truncateRunes(s, f.prec) : s);
    case 'q': {
      if (f.precPresent) s = truncateRunes(s, f.prec);
      if (f.sharp && canBackquote(s)) return pad(f, '`' + s + '`');
      return pad(f, f.plus ? quoteToASCII(s) : goQuote(s));
    }
    case 'x':
    case 'X': {
      let bytes = Buffer.from(s, 'utf8');
      if (f.precPresent && f.prec < bytes.length) bytes = bytes.subarray(0, f.prec);
      const digits = verb === 'x' ? '0123456789abcdef' : '0123456789ABCDEF';
      let out = '';
      for (let i = 0; i < bytes.length; i++) {
        if (f.space && i > 0) out += ' ';
        if (f.sharp && (f.space || i === 0)) out += verb === 'x' ? '0x' : '0X';
        out += digits[bytes[i]! >> 4]! + digits[bytes[i]! & 15]!;
      }
      return pad(f, out);
    }
  }
  return undefined;
}

function fmtInteger(f: Flags, verb: string, v: bigint): string | undefined {
  let base: number;
  switch (verb) {
    case 'v':
    case 'd':
      base = 10;
      break;
    case 'b':
      base = 2;
      break;
    case 'o':
    case 'O':
      base = 8;
      break;
    case 'x':
    case 'X':
      base = 16;
      break;
    case 'c':
      return pad(f, String.fromCodePoint(v >= 0n && v <= 0x10ffffn && !(v >= 0xd800n && v < 0xe000n) ? Number(v) : 0xfffd));
    case 'q':
      return pad(f, quoteRune(v >= 0n && v <= 0x10ffffn ? Number(v) : 0xfffd));
    case 'U': {
      let s = 'U+' + (v < 0n ? -v : v).toString(16).toUpperCase().padStart(4, '0');
      if (f.sharp && v >= 0n && v <= 0x10ffffn) s += " '" + String.fromCodePoint(Number(v)) + "'";
      return pad(f, s);
    }
    default:
      return undefined;
  }
  const neg = v < 0n;
  let digits = (neg ? -v : v).toString(base);
  if (verb === 'X') digits = digits.toUpperCase();
  let prec = 0;
  if (f.precPresent) {
    prec = f.prec;
    if (prec === 0 && v === 0n) return pad({ ...f, zero: false }, '');
  } else if (f.zero && !f.minus && f.widPresent) {
    prec = f.wid;
    if (neg || f.plus || f.space) prec--;
  }
  if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
  if (f.sharp) {
    if (base === 2) digits = '0b' + digits;
    else if (base === 8 && digits[0] !== '0') digits = '0' + digits;
    else if (base === 16) digits = (verb === 'x' ? '0x' : '0X') + digits;
  }
  if (verb === 'O') digits = '0o' + digits;
  if (neg) digits = '-' + digits;
  else if (f.plus) digits = '+' + digits;
  else if (f.space) digits = ' ' + digits;
  return pad({ ...f, zero: false }, digits);
}

function fmtFloatVerb(f: Flags, verb: string, x: number): string | undefined {
  let prec: number;
  let v = verb;
  switch (verb) {
    case 'v':
      v = 'g';
      prec = -1;
      break;
    case 'g':
    case 'G':
      prec = -1;
      break;
    case 'e':
    case 'E':
    case 'f':
      prec = 6;
      break;
    case 'F':
      v = 'f';
      prec = 6;
      break;
    default:
      return undefined;
  }
  if (f.precPresent) prec = f.prec;
  let num = formatFloat(x, v, prec);
  if (f.space && num[0] === '+' && !f.plus) num = ' ' + num.slice(1);
  if (num[1] === 'I' || num[1] === 'N') {
    if (num[1] === 'N' && !f.space && !f.plus) num = num.slice(1);
    return pad({ ...f, zero: false }, num);
  }
  if (f.plus || num[0] !== '+') {
    if (f.zero && !f.minus && f.widPresent && f.wid > num.length) return num[0] + '0'.repeat(f.wid - num.length) + num.slice(1);
    return pad(f, num);
  }
  return pad(f, num.slice(1));
}

/** Formats one operand with a verb; undefined when the verb does not apply to its type. */
function fmtValue(f: Flags, verb: string, v: GoValue, depth: number): string | undefined {
  if (verb === 'T') return pad(f, goTypeName(v));
  if (v === null || v === undefined) return verb === 'v' ? pad(f, '<nil>') : undefined;
  switch (typeof v) {
    case 'string':
      return fmtString(f, verb, v);
    case 'boolean':
      return verb === 't' || verb === 'v' ? pad(f, v ? 'true' : 'false') : undefined;
    case 'number':
      return fmtFloatVerb(f, verb, v);
  }
  if (v instanceof GoInt) {
    // Month and Weekday are Stringers: the string verbs print their names.
    if ((v.type === 'time.Month' || v.type === 'time.Weekday') && 'vsxXq'.includes(verb)) {
      return fmtString(f, verb, v.type === 'time.Month' ? monthName(Number(v.v)) : weekdayName(Number(v.v)));
    }
    // Durations (Prometheus's toDuration) are Stringers too: `1h0m0s`.
    if (v.type === 'time.Duration' && 'vsxXq'.includes(verb)) return fmtString(f, verb, formatGoDurationNs(Number(v.v)));
    return fmtInteger(f, verb, v.v);
  }
  if (v instanceof GoTime) return 'vsxXq'.includes(verb) ? fmtString(f, verb, timeString(v)) : undefined;
  // A Stringer prints through its String method under the string verbs (fmt's handleMethods).
  if (isGoNamed(v) && v.goString !== undefined && 'vsxXq'.includes(verb)) return fmtString(f, verb, v.goString());
  // Composites apply the verb to each element; a bad verb shows inside the brackets.
  const elem = (x: GoValue): string => fmtValue(f, verb, x, depth + 1) ?? badVerb(verb, x);
  if (v instanceof GoStruct) return (v.goType.startsWith('*') && depth === 0 ? '&{' : '{') + [...v.fields.values()].map(elem).join(' ') + '}';
  if (v instanceof LabelsValue) return 'map[' + v.sortedEntries().map(([k, x]) => `${elem(k)}:${elem(x)}`).join(' ') + ']';
  if (v instanceof Map) {
    const keys = [...v.keys()].sort();
    return 'map[' + keys.map((k) => `${elem(k)}:${elem(v.get(k))}`).join(' ') + ']';
  }
  return '[' + (v as readonly GoValue[]).map(elem).join(' ') + ']';
}

function badVerb(verb: string, v: GoValue): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(v)}=${fmtValue(PLAIN, 'v', v, 0)})`;
}

/** `fmt.Sprint(v)` of one value (`<nil>` for nil). */
export function sprint1(v: GoValue): string {
  if (typeof v === 'string') return v;
  return fmtValue(PLAIN, 'v', v, 0)!;
}

/** `fmt.Sprint(args...)`: operands joined, with a space between two operands when neither is a string. */
export function sprint(args: readonly GoValue[]): string {
  let out = '';
  let prevString = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const isString = typeof a === 'string';
    if (i > 0 && !isString && !prevString) out += ' ';
    out += sprint1(a);
    prevString = isString;
  }
  return out;
}

/** `fmt.Sprintln(args...)`: operands joined by spaces, then a newline. */
export function sprintln(args: readonly GoValue[]): string {
  return args.map(sprint1).join(' ') + '\n';
}

/** `fmt.Sprintf(format, args...)`. */
export function sprintf(format: string, args: readonly GoValue[]): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  let goodArgNum = true;
  const end = format.length;
  let i = 0;
  // Go's argNumber: `[n]` picks the n-th operand (1-based).
  const argNumber = (): void => {
    if (i >= end || format[i] !== '[') return;
    reordered = true;
    const close = format.indexOf(']', i);
    const n = close < 0 ? NaN : Number(format.slice(i + 1, close));
    if (close < 0 || !/^\d+$/.test(format.slice(i + 1, close)) || n < 1 || n > args.length) {
      goodArgNum = false;
      i = close < 0 ? end : close + 1;
      return;
    }
    argNum = n - 1;
    i = close + 1;
  };
  while (i < end) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const f = newFlags();
    goodArgNum = true;
    flags: for (; i < end; i++) {
      switch (format[i]) {
        case '#':
          f.sharp = true;
          break;
        case '0':
          f.zero = !f.minus;
          break;
        case '+':
          f.plus = true;
          break;
        case '-':
          f.minus = true;
          f.zero = false;
          break;
        case ' ':
          f.space = true;
          break;
        default:
          break flags;
      }
    }
    argNumber();
    if (i < end && format[i] === '*') {
      i++;
      const a = args[argNum];
      if (argNum < args.length && a instanceof GoInt && a.v >= -1000000n && a.v <= 1000000n) {
        f.wid = Number(a.v);
        f.widPresent = true;
        if (f.wid < 0) {
          f.minus = true;
          f.zero = false;
          f.wid = -f.wid;
        }
      } else out += '%!(BADWIDTH)';
      argNum++;
      reordered = false;
    } else {
      const start = i;
      while (i < end && format.charCodeAt(i) >= 0x30 && format.charCodeAt(i) <= 0x39) i++;
      if (i > start) {
        f.wid = Number(format.slice(start, i));
        f.widPresent = true;
      }
    }
    if (i + 1 <= end && format[i] === '.') {
      i++;
      argNumber();
      if (i < end && format[i] === '*') {
        i++;
        const a = args[argNum];
        if (argNum < args.length && a instanceof GoInt && a.v >= 0n && a.v <= 1000000n) {
          f.prec = Number(a.v);
          f.precPresent = true;
        } else out += '%!(BADPREC)';
        argNum++;
        reordered = false;
      } else {
        const start = i;
        while (i < end && format.charCodeAt(i) >= 0x30 && format.charCodeAt(i) <= 0x39) i++;
        f.prec = i > start ? Number(format.slice(start, i)) : 0;
        f.precPresent = true;
      }
    }
    if (!reordered) argNumber();
    if (i >= end) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (!goodArgNum) {
      out += `%!${verb}(BADINDEX)`;
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const a = args[argNum++];
    out += fmtValue(f, verb, a, 0) ?? badVerb(verb, a);
  }
  if (!reordered && argNum < args.length) {
    out += '%!(EXTRA ';
    out += args
      .slice(argNum)
      .map((a) => (a === null || a === undefined ? '<nil>' : `${goTypeName(a)}=${sprint1(a)}`))
      .join(', ');
    out += ')';
  }
  return out;
}
