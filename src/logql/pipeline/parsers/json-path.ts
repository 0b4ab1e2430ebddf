/**
 * Loki's JSON path expressions for `| json label="expression"` (`pkg/logql/log/jsonexpr`):
 * `a.b`, `a[0]`, `a["key with.dots"]`, `["a"].b[1]`. A hand-written parser for the goyacc
 * grammar, giving the same path elements and the same error texts (goyacc's verbose
 * `syntax error: unexpected X, expecting Y` and the lexer's own messages).
 */

/** A path element: an object key, or an array index. */
export type JsonPathElement = string | number;

/** The grammar's tokens, named as goyacc names them in its messages. */
type Tok =
  | { t: '$end' }
  | { t: 'DOT' }
  | { t: 'LSB' }
  | { t: 'RSB' }
  | { t: 'STRING'; v: string }
  | { t: 'FIELD'; v: string }
  | { t: 'INDEX'; v: number };

const isStartIdent = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isIdent = (c: string): boolean => isStartIdent(c) || (c >= '0' && c <= '9');
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isWs = (c: string): boolean => c === ' ' || c === '\t' || c === '\n';

/**
 * The lexer (`jsonexpr/lexer.go`). On a lexer error it records the message and yields
 * `$end`, as the Go scanner returns 0; the parser may then overwrite the message.
 */
class Lexer {
  private readonly cps: string[];
  private i = 0;
  err: string | undefined;

  constructor(text: string) {
    // The Go scanner reads runes; a NUL ends the input as EOF does.
    this.cps = Array.from(text);
  }

  private read(): string {
    const c = this.cps[this.i++];
    return c === undefined || c === '\0' ? '' : c;
  }

  next(): Tok {
    for (;;) {
      const r = this.read();
      if (r === '') return { t: '$end' };
      if (isWs(r)) continue;
      if (isDigit(r)) {
        this.i--;
        const n = this.scanInt();
        if (n === undefined) return { t: '$end' };
        return { t: 'INDEX', v: n };
      }
      if (r === '[') return { t: 'LSB' };
      if (r === ']') return { t: 'RSB' };
      if (r === '.') return { t: 'DOT' };
      if (isStartIdent(r)) {
        let v = r;
        while (this.i < this.cps.length && isIdent(this.cps[this.i]!)) v += this.cps[this.i++]!;
        return { t: 'FIELD', v };
      }
      if (r === '"') {
        let v = '';
        for (;;) {
          const c = this.read();
          if (c === '' || c === '"' || c === ']') break;
          v += c;
        }
        return { t: 'STRING', v };
      }
      this.err = `unexpected char ${r}`;
      return { t: '$end' };
    }
  }

  private scanInt(): number | undefined {
    let digits = '';
    for (;;) {
      const r = this.read();
      if (r === '.' && digits.length > 0) {
        this.err = 'cannot use float as array index';
        return undefined;
      }
      if (isWs(r) || r === '.' || r === ']') {
        this.i--;
        break;
      }
      if (!isDigit(r)) {
        // Go prints the rune with %c; at the end of input that rune is NUL.
        this.err = `non-integer value: ${r === '' ? '\0' : r}`;
        return undefined;
      }
      digits += r;
    }
    const n = Number(digits);
    if (!Number.isSafeInteger(n)) {
      this.err = `strconv.Atoi: parsing ${JSON.stringify(digits)}: value out of range`;
      return undefined;
    }
    return n;
  }
}

/** goyacc's verbose message for an unexpected token in a state that shifts `expected`. */
function syntaxError(got: Tok, expected: string): string {
  return `syntax error: unexpected ${got.t}, expecting ${expected}`;
}

/**
 * Parses a JSON path expression into its elements. Throws an Error whose message is the
 * text Loki wraps as `cannot parse expression [<expr>]: <message>`.
 */
export function parseJsonPath(text: string): JsonPathElement[] {
  const lex = new Lexer(text);
  const out: JsonPathElement[] = [];
  // The grammar: values := (FIELD | '[' (STRING | INDEX) ']') ( '.' FIELD | '[' (STRING | INDEX) ']' )*
  let tok = lex.next();
  let first = true;
  for (;;) {
    if (!first && tok.t === '$end') break;
    if (tok.t === 'FIELD' && first) {
      out.push(tok.v);
    } else if (tok.t === 'DOT' && !first) {
      const f = lex.next();
      if (f.t !== 'FIELD') throw new Error(syntaxError(f, 'FIELD'));
      out.push(f.v);
    } else if (tok.t === 'LSB') {
      const k = lex.next();
      if (k.t !== 'STRING' && k.t !== 'INDEX') throw new Error(syntaxError(k, 'STRING or INDEX'));
      const close = lex.next();
      if (close.t !== 'RSB') throw new Error(syntaxError(close, 'RSB'));
      out.push(k.v);
    } else {
      throw new Error(syntaxError(tok, first ? 'LSB or FIELD' : 'DOT or LSB'));
    }
    first = false;
    tok = lex.next();
  }
  // A lexer error that still left a complete expression is reported as itself.
  if (lex.err !== undefined) throw new Error(lex.err);
  return out;
}

/** A path as jsonparser takes it: keys as written, indexes as `[n]` (Loki's `JSONPathToStrings`). */
export function jsonPathToStrings(path: readonly JsonPathElement[]): string[] {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : p));
}
