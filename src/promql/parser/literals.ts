/**
 * PromQL literal values as Prometheus 2.42 reads them: numbers through Go's
 * `strconv.ParseInt(s, 0, 64)` then `strconv.ParseFloat` (so `0x1f` is hex and `0755` is
 * octal), strings through `strutil.Unquote` (Go escapes, raw backtick strings).
 */
import { goQuote } from './go-format.js';

/** Go's int64 range bound; larger integers fall back to float parsing, as upstream. */
const MAX_INT64 = 2n ** 63n - 1n;

const DECIMAL_FLOAT = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/**
 * The value of a NUMBER token, or the error text Prometheus gives (`error parsing number:
 * strconv.ParseFloat: parsing "1e": invalid syntax`).
 */
export function parseNumberToken(s: string): { value: number } | { error: string } {
  let int: bigint | undefined;
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) int = BigInt(s);
  else if (/^0[0-7]+$/.test(s)) int = BigInt(`0o${s.slice(1)}`);
  else if (/^(?:0|[1-9][0-9]*)$/.test(s)) int = BigInt(s);
  if (int !== undefined && int <= MAX_INT64) return { value: Number(int) };

  const fail = (why: string) => ({ error: `error parsing number: strconv.ParseFloat: parsing ${goQuote(s)}: ${why}` });
  if (/^(?:inf|infinity)$/i.test(s)) return { value: Infinity };
  if (/^nan$/i.test(s)) return { value: NaN };
  if (!DECIMAL_FLOAT.test(s)) return fail('invalid syntax');
  const v = Number(s);
  if (!Number.isFinite(v)) return fail('value out of range');
  return { value: v };
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
  '\\': 0x5c,
  "'": 0x27,
  '"': 0x22,
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The value of a STRING token (quotes included). The lexer has already refused bad
 * escapes, so this only decodes: `\x` and octal escapes are bytes, `\u`/`\U` code points,
 * and the result is read as UTF-8 (a byte sequence that is not UTF-8 decodes to U+FFFD,
 * where Go would keep the raw bytes).
 */
export function unquoteString(token: string): string {
  const quote = token[0];
  const body = token.slice(1, -1);
  if (quote === '`') return body;
  if (!body.includes('\\')) return body;
  const bytes: number[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      const w = cp > 0xffff ? 2 : 1;
      for (const b of encoder.encode(body.slice(i, i + w))) bytes.push(b);
      i += w;
      continue;
    }
    const e = body[i + 1]!;
    i += 2;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      bytes.push(simple);
    } else if (e === 'x') {
      bytes.push(parseInt(body.slice(i, i + 2), 16));
      i += 2;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      for (const b of encoder.encode(String.fromCodePoint(parseInt(body.slice(i, i + n), 16)))) bytes.push(b);
      i += n;
    } else {
      // Octal: three digits, the first already read as `e`.
      bytes.push(parseInt(body.slice(i - 1, i + 2), 8));
      i += 2;
    }
  }
  return decoder.decode(Uint8Array.from(bytes));
}
