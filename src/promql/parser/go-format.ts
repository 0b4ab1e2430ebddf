/**
 * The few Go formatting verbs the PromQL parser and printer need to reproduce Prometheus's
 * text byte for byte: `%q` on strings and runes (`strconv.Quote`, `strconv.QuoteRune`),
 * `%#U`, `%v` on a float64 and `%f`. Only what the parser's messages and the printer use.
 */

/** Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** The Unicode replacement character, which Go's decoder returns for bad input (and EOF in QuoteRune). */
export const RUNE_ERROR = 0xfffd;

function isPrint(cp: number): boolean {
  // ASCII (most of what is quoted) without the regex: space through tilde.
  if (cp < 0x80) return cp >= 0x20 && cp < 0x7f;
  return PRINTABLE.test(String.fromCodePoint(cp));
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function quoteRuneInto(cp: number, quote: number): string {
  if (cp === quote || cp === 0x5c) return '\\' + String.fromCodePoint(cp);
  if (isPrint(cp)) return String.fromCodePoint(cp);
  switch (cp) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
  }
  if (cp < 0x20 || cp === 0x7f) return '\\x' + hex(cp, 2);
  if (cp < 0x10000) return '\\u' + hex(cp, 4);
  return '\\U' + hex(cp, 8);
}

/** Code points of a JS string; a lone surrogate reads as the replacement character, as Go reads bad UTF-8. */
export function codePoints(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    out.push(cp >= 0xd800 && cp < 0xe000 ? RUNE_ERROR : cp);
  }
  return out;
}

/** Go's `%q` on a string (`strconv.Quote`). */
export function goQuote(s: string): string {
  let out = '"';
  for (const cp of codePoints(s)) out += quoteRuneInto(cp, 0x22);
  return out + '"';
}

/** Go's `%.Nq` on a string: the first `n` runes, quoted. */
export function goQuotePrefix(s: string, n: number): string {
  return goQuote(String.fromCodePoint(...codePoints(s).slice(0, n)));
}

/** Go's `%q` on a rune (`strconv.QuoteRune`); -1 (end of input) quotes as the replacement character. */
export function goQuoteRune(cp: number): string {
  const r = cp < 0 || cp > 0x10ffff ? RUNE_ERROR : cp;
  return "'" + quoteRuneInto(r, 0x27) + "'";
}

/** Go's `%#U` on a rune: `U+0071 'q'`. */
export function goUnicode(cp: number): string {
  const r = cp < 0 ? RUNE_ERROR : cp;
  const code = 'U+' + r.toString(16).toUpperCase().padStart(4, '0');
  return isPrint(r) ? `${code} '${String.fromCodePoint(r)}'` : code;
}

/**
 * Go's `%v` (`fmt.Sprint`) on a float64: the shortest digits that round-trip, in `%e` form
 * when the decimal exponent is below -4 or at least 6 (Go's threshold for shortest `%g`;
 * so 1e6 prints as `1e+06`), with `+Inf`, `-Inf` and `NaN` spelled as Go spells them.
 */
export function goFormatFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const sign = v < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest round-tripping digits.
  const [mant, expText] = Math.abs(v).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const exp = Number(expText);
  // Go's %g with shortest precision switches to %e when exp < -4 || exp >= 6 (eprec = 6).
  if (exp < -4 || exp >= 6) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return sign + digits + '0'.repeat(exp + 1 - digits.length);
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** Go's `%f` on a float64: six decimals, `+Inf`/`-Inf`/`NaN` as Go prints them. */
export function goFormatFixed(v: number, decimals = 6): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return v.toFixed(decimals);
}

/** UTF-8 length of a string, which is what Go's `len()` counts. */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
