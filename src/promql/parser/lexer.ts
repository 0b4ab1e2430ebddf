/**
 * The PromQL lexer, a state machine mirroring Prometheus 2.42's `promql/parser/lex.go` so
 * that the same inputs give the same tokens and the same error texts. It does not depend on
 * the parser, so `lex()` scans the whole input up front and stops at the first EOF or ERROR
 * item. Offsets are UTF-16 indexes into the input; runes are code points.
 */
import { codePoints, goQuote, goQuotePrefix, goQuoteRune, goUnicode, RUNE_ERROR } from './go-format.js';

/** Token types, named as upstream's `ItemType` constants so the grammar reads the same. */
export type ItemType =
  | 'EOF'
  | 'ERROR'
  | 'COMMENT'
  | 'IDENTIFIER'
  | 'METRIC_IDENTIFIER'
  | 'NUMBER'
  | 'STRING'
  | 'DURATION'
  | 'LEFT_PAREN'
  | 'RIGHT_PAREN'
  | 'LEFT_BRACE'
  | 'RIGHT_BRACE'
  | 'LEFT_BRACKET'
  | 'RIGHT_BRACKET'
  | 'COMMA'
  | 'EQL'
  | 'COLON'
  // Operators.
  | 'ADD'
  | 'SUB'
  | 'MUL'
  | 'DIV'
  | 'MOD'
  | 'POW'
  | 'EQLC'
  | 'NEQ'
  | 'LTE'
  | 'LSS'
  | 'GTE'
  | 'GTR'
  | 'EQL_REGEX'
  | 'NEQ_REGEX'
  | 'AT'
  | 'LAND'
  | 'LOR'
  | 'LUNLESS'
  | 'ATAN2'
  // Aggregators.
  | 'AVG'
  | 'BOTTOMK'
  | 'COUNT'
  | 'COUNT_VALUES'
  | 'GROUP'
  | 'MAX'
  | 'MIN'
  | 'QUANTILE'
  | 'STDDEV'
  | 'STDVAR'
  | 'SUM'
  | 'TOPK'
  // Keywords.
  | 'BOOL'
  | 'BY'
  | 'GROUP_LEFT'
  | 'GROUP_RIGHT'
  | 'IGNORING'
  | 'OFFSET'
  | 'ON'
  | 'WITHOUT'
  // Preprocessors.
  | 'START'
  | 'END';

/** A token: its type, start offset and the text it covers (for ERROR: the message). */
export interface Item {
  readonly type: ItemType;
  readonly pos: number;
  readonly val: string;
}

/** Keywords by lowercased spelling (the lexer matches them case-insensitively). */
const KEYWORDS: ReadonlyMap<string, ItemType> = new Map<string, ItemType>([
  ['and', 'LAND'],
  ['or', 'LOR'],
  ['unless', 'LUNLESS'],
  ['atan2', 'ATAN2'],
  ['sum', 'SUM'],
  ['avg', 'AVG'],
  ['count', 'COUNT'],
  ['min', 'MIN'],
  ['max', 'MAX'],
  ['group', 'GROUP'],
  ['stddev', 'STDDEV'],
  ['stdvar', 'STDVAR'],
  ['topk', 'TOPK'],
  ['bottomk', 'BOTTOMK'],
  ['count_values', 'COUNT_VALUES'],
  ['quantile', 'QUANTILE'],
  ['offset', 'OFFSET'],
  ['by', 'BY'],
  ['without', 'WITHOUT'],
  ['on', 'ON'],
  ['ignoring', 'IGNORING'],
  ['group_left', 'GROUP_LEFT'],
  ['group_right', 'GROUP_RIGHT'],
  ['bool', 'BOOL'],
  ['start', 'START'],
  ['end', 'END'],
  ['inf', 'NUMBER'],
  ['nan', 'NUMBER'],
]);

const OPERATORS: ReadonlySet<ItemType> = new Set<ItemType>([
  'ADD', 'SUB', 'MUL', 'DIV', 'MOD', 'POW', 'EQLC', 'NEQ', 'LTE', 'LSS', 'GTE', 'GTR', 'EQL_REGEX', 'NEQ_REGEX', 'AT', 'LAND', 'LOR', 'LUNLESS', 'ATAN2',
]);
/** The aggregation operators' token types (upstream's `IsAggregator()`). */
export const AGGREGATORS: ReadonlySet<ItemType> = new Set<ItemType>([
  'AVG', 'BOTTOMK', 'COUNT', 'COUNT_VALUES', 'GROUP', 'MAX', 'MIN', 'QUANTILE', 'STDDEV', 'STDVAR', 'SUM', 'TOPK',
]);
const KEYWORD_TYPES: ReadonlySet<ItemType> = new Set<ItemType>(['BOOL', 'BY', 'GROUP_LEFT', 'GROUP_RIGHT', 'IGNORING', 'OFFSET', 'ON', 'WITHOUT']);
/** Types with a fixed spelling in upstream's ItemTypeStr; these describe themselves by value. */
const FIXED: ReadonlySet<ItemType> = new Set<ItemType>([
  ...OPERATORS, ...AGGREGATORS, ...KEYWORD_TYPES, 'START', 'END', 'LEFT_PAREN', 'RIGHT_PAREN', 'LEFT_BRACE', 'RIGHT_BRACE', 'LEFT_BRACKET', 'RIGHT_BRACKET', 'COMMA', 'EQL', 'COLON',
]);

const TYPE_DESC: Partial<Record<ItemType, string>> = {
  ERROR: 'error',
  EOF: 'end of input',
  COMMENT: 'comment',
  IDENTIFIER: 'identifier',
  METRIC_IDENTIFIER: 'metric identifier',
  STRING: 'string',
  NUMBER: 'number',
  DURATION: 'duration',
};

/** Upstream's `Item.String()`. */
function itemString(it: Item): string {
  if (it.type === 'EOF') return 'EOF';
  if (it.type === 'ERROR') return it.val;
  if (it.type === 'IDENTIFIER' || it.type === 'METRIC_IDENTIFIER') return goQuote(it.val);
  if (KEYWORD_TYPES.has(it.type)) return `<${it.val}>`;
  if (OPERATORS.has(it.type)) return `<op:${it.val}>`;
  if (AGGREGATORS.has(it.type)) return `<aggr:${it.val}>`;
  if (codePoints(it.val).length > 10) return `${goQuotePrefix(it.val, 10)}...`;
  return goQuote(it.val);
}

/** Upstream's `Item.desc()`, used in "unexpected ..." messages. */
export function describeItem(it: Item): string {
  if (FIXED.has(it.type)) return itemString(it);
  if (it.type === 'EOF') return 'end of input';
  return `${TYPE_DESC[it.type] ?? it.type} ${itemString(it)}`;
}

/** What `next()` returns past the end of the input; upstream's `eof` rune. */
const EOF = -1;

function isSpace(r: number): boolean {
  return r === 0x20 || r === 0x09 || r === 0x0a || r === 0x0d;
}
function isDigit(r: number): boolean {
  return r >= 0x30 && r <= 0x39;
}
function isAlpha(r: number): boolean {
  return r === 0x5f || (r >= 0x61 && r <= 0x7a) || (r >= 0x41 && r <= 0x5a);
}
function isAlphaNumeric(r: number): boolean {
  return isAlpha(r) || isDigit(r);
}
function isEndOfLine(r: number): boolean {
  return r === 0x0d || r === 0x0a;
}
function charIn(valid: string, r: number): boolean {
  return r >= 0 && valid.includes(String.fromCodePoint(r));
}

/** True when `s` is a valid label name: `[a-zA-Z_][a-zA-Z0-9_]*`. */
export function isLabel(s: string): boolean {
  return /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(s);
}

type StateFn = (l: Lexer) => StateFn | null;

class Lexer {
  readonly input: string;
  state: StateFn | null = lexStatements;
  pos = 0;
  start = 0;
  width = 0;
  item: Item | undefined;

  parenDepth = 0;
  braceOpen = false;
  bracketOpen = false;
  gotColon = false;
  stringOpen = 0;

  constructor(input: string) {
    this.input = input;
  }

  next(): number {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    const cp = this.input.codePointAt(this.pos)!;
    if (cp >= 0xd800 && cp < 0xe000) {
      // A lone surrogate is the JS analogue of invalid UTF-8.
      this.width = 1;
      this.pos += 1;
      return RUNE_ERROR;
    }
    this.width = cp > 0xffff ? 2 : 1;
    this.pos += this.width;
    return cp;
  }

  peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }

  backup(): void {
    this.pos -= this.width;
  }

  emit(type: ItemType): void {
    this.item = { type, pos: this.start, val: this.input.slice(this.start, this.pos) };
    this.start = this.pos;
  }

  ignore(): void {
    this.start = this.pos;
  }

  accept(valid: string): boolean {
    if (charIn(valid, this.next())) return true;
    this.backup();
    return false;
  }

  acceptRun(valid: string): void {
    while (charIn(valid, this.next())) {
      // consume
    }
    this.backup();
  }

  errorf(message: string): null {
    this.item = { type: 'ERROR', pos: this.start, val: message };
    return null;
  }

  nextItem(): Item {
    this.item = undefined;
    if (this.state === null) {
      this.emit('EOF');
    } else {
      while (this.item === undefined && this.state !== null) this.state = this.state(this);
      if (this.item === undefined) this.emit('EOF');
    }
    return this.item!;
  }

  /** Scans a number; true when it is not followed by an alphanumeric rune. */
  scanNumber(): boolean {
    let digits = '0123456789';
    if (this.accept('0') && this.accept('xX')) digits = '0123456789abcdefABCDEF';
    this.acceptRun(digits);
    if (this.accept('.')) this.acceptRun(digits);
    if (this.accept('eE')) {
      this.accept('+-');
      this.acceptRun('0123456789');
    }
    return !isAlphaNumeric(this.peek());
  }
}

function lexStatements(l: Lexer): StateFn | null {
  if (l.braceOpen) return lexInsideBraces;
  if (l.input.startsWith('#', l.pos)) return lexLineComment;

  const r = l.next();
  if (r === EOF) {
    if (l.parenDepth !== 0) return l.errorf('unclosed left parenthesis');
    if (l.bracketOpen) return l.errorf('unclosed left bracket');
    l.emit('EOF');
    return null;
  }
  switch (r) {
    case 0x2c: // ,
      l.emit('COMMA');
      return lexStatements;
    case 0x2a: // *
      l.emit('MUL');
      return lexStatements;
    case 0x2f: // /
      l.emit('DIV');
      return lexStatements;
    case 0x25: // %
      l.emit('MOD');
      return lexStatements;
    case 0x2b: // +
      l.emit('ADD');
      return lexStatements;
    case 0x2d: // -
      l.emit('SUB');
      return lexStatements;
    case 0x5e: // ^
      l.emit('POW');
      return lexStatements;
    case 0x3d: {
      // =
      const t = l.peek();
      if (t === 0x3d) {
        l.next();
        l.emit('EQLC');
      } else if (t === 0x7e) {
        return l.errorf(`unexpected character after '=': ${goQuoteRune(t)}`);
      } else {
        l.emit('EQL');
      }
      return lexStatements;
    }
    case 0x21: {
      // !
      const t = l.next();
      if (t !== 0x3d) return l.errorf(`unexpected character after '!': ${goQuoteRune(t)}`);
      l.emit('NEQ');
      return lexStatements;
    }
    case 0x3c: // <
      if (l.peek() === 0x3d) {
        l.next();
        l.emit('LTE');
      } else {
        l.emit('LSS');
      }
      return lexStatements;
    case 0x3e: // >
      if (l.peek() === 0x3d) {
        l.next();
        l.emit('GTE');
      } else {
        l.emit('GTR');
      }
      return lexStatements;
    case 0x22: // "
    case 0x27: // '
      l.stringOpen = r;
      return lexString;
    case 0x60: // `
      l.stringOpen = r;
      return lexRawString;
    case 0x28: // (
      l.emit('LEFT_PAREN');
      l.parenDepth++;
      return lexStatements;
    case 0x29: // )
      l.emit('RIGHT_PAREN');
      l.parenDepth--;
      if (l.parenDepth < 0) return l.errorf(`unexpected right parenthesis ${goQuoteRune(r)}`);
      return lexStatements;
    case 0x7b: // {
      l.emit('LEFT_BRACE');
      l.braceOpen = true;
      return lexInsideBraces;
    case 0x5b: // [
      if (l.bracketOpen) return l.errorf(`unexpected left bracket ${goQuoteRune(r)}`);
      l.gotColon = false;
      l.emit('LEFT_BRACKET');
      while (isSpace(l.peek())) l.next();
      l.ignore();
      l.bracketOpen = true;
      return lexDuration;
    case 0x5d: // ]
      if (!l.bracketOpen) return l.errorf(`unexpected right bracket ${goQuoteRune(r)}`);
      l.emit('RIGHT_BRACKET');
      l.bracketOpen = false;
      return lexStatements;
    case 0x40: // @
      l.emit('AT');
      return lexStatements;
  }
  if (isSpace(r)) return lexSpace;
  if (isDigit(r) || (r === 0x2e && isDigit(l.peek()))) {
    l.backup();
    return lexNumberOrDuration;
  }
  if (isAlpha(r) || r === 0x3a) {
    if (!l.bracketOpen) {
      l.backup();
      return lexKeywordOrIdentifier;
    }
    // Inside brackets upstream emits any letter or ':' as the subquery colon.
    if (l.gotColon) return l.errorf(`unexpected colon ${goQuoteRune(r)}`);
    l.emit('COLON');
    l.gotColon = true;
    return lexStatements;
  }
  return l.errorf(`unexpected character: ${goQuoteRune(r)}`);
}

function lexInsideBraces(l: Lexer): StateFn | null {
  if (l.input.startsWith('#', l.pos)) return lexLineComment;
  const r = l.next();
  if (r === EOF) return l.errorf('unexpected end of input inside braces');
  if (isSpace(r)) return lexSpace;
  if (isAlpha(r)) {
    l.backup();
    return lexIdentifier;
  }
  switch (r) {
    case 0x2c:
      l.emit('COMMA');
      break;
    case 0x22:
    case 0x27:
      l.stringOpen = r;
      return lexString;
    case 0x60:
      l.stringOpen = r;
      return lexRawString;
    case 0x3d: // =
      if (l.next() === 0x7e) {
        l.emit('EQL_REGEX');
        break;
      }
      l.backup();
      l.emit('EQL');
      break;
    case 0x21: {
      // !
      const nr = l.next();
      if (nr === 0x7e) l.emit('NEQ_REGEX');
      else if (nr === 0x3d) l.emit('NEQ');
      else return l.errorf(`unexpected character after '!' inside braces: ${goQuoteRune(nr)}`);
      break;
    }
    case 0x7b:
      return l.errorf(`unexpected left brace ${goQuoteRune(r)}`);
    case 0x7d:
      l.emit('RIGHT_BRACE');
      l.braceOpen = false;
      return lexStatements;
    default:
      return l.errorf(`unexpected character inside braces: ${goQuoteRune(r)}`);
  }
  return lexInsideBraces;
}

function digitVal(ch: number): number {
  if (ch >= 0x30 && ch <= 0x39) return ch - 0x30;
  if (ch >= 0x61 && ch <= 0x66) return ch - 0x61 + 10;
  if (ch >= 0x41 && ch <= 0x46) return ch - 0x41 + 10;
  return 16;
}

function lexEscape(l: Lexer): StateFn | null {
  let ch = l.next();
  let n: number;
  let base: number;
  let max: number;
  switch (ch) {
    case 0x61: // a b f n r t v \
    case 0x62:
    case 0x66:
    case 0x6e:
    case 0x72:
    case 0x74:
    case 0x76:
    case 0x5c:
      return lexString;
    case 0x30:
    case 0x31:
    case 0x32:
    case 0x33:
    case 0x34:
    case 0x35:
    case 0x36:
    case 0x37:
      [n, base, max] = [3, 8, 255];
      break;
    case 0x78: // x
      ch = l.next();
      [n, base, max] = [2, 16, 255];
      break;
    case 0x75: // u
      ch = l.next();
      [n, base, max] = [4, 16, 0x10ffff];
      break;
    case 0x55: // U
      ch = l.next();
      [n, base, max] = [8, 16, 0x10ffff];
      break;
    case EOF:
      return l.errorf('escape sequence not terminated');
    default:
      if (ch === l.stringOpen) return lexString;
      return l.errorf(`unknown escape sequence ${goUnicode(ch)}`);
  }
  let x = 0;
  while (n > 0) {
    const d = digitVal(ch);
    if (d >= base) {
      if (ch === EOF) return l.errorf('escape sequence not terminated');
      return l.errorf(`illegal character ${goUnicode(ch)} in escape sequence`);
    }
    x = x * base + d;
    n--;
    if (n > 0) ch = l.next();
  }
  if (x > max || (x >= 0xd800 && x < 0xe000)) return l.errorf('escape sequence is an invalid Unicode code point');
  return lexString;
}

function lexString(l: Lexer): StateFn | null {
  for (;;) {
    const r = l.next();
    if (r === 0x5c) return lexEscape;
    if (r === RUNE_ERROR) return l.errorf('invalid UTF-8 rune');
    if (r === EOF || r === 0x0a) return l.errorf('unterminated quoted string');
    if (r === l.stringOpen) break;
  }
  l.emit('STRING');
  return lexStatements;
}

function lexRawString(l: Lexer): StateFn | null {
  for (;;) {
    const r = l.next();
    if (r === RUNE_ERROR) return l.errorf('invalid UTF-8 rune');
    if (r === EOF) return l.errorf('unterminated raw string');
    if (r === l.stringOpen) break;
  }
  l.emit('STRING');
  return lexStatements;
}

function lexSpace(l: Lexer): StateFn | null {
  while (isSpace(l.peek())) l.next();
  l.ignore();
  return lexStatements;
}

function lexLineComment(l: Lexer): StateFn | null {
  l.pos += 1;
  let r = l.next();
  while (!isEndOfLine(r) && r !== EOF) r = l.next();
  l.backup();
  l.emit('COMMENT');
  return lexStatements;
}

function lexDuration(l: Lexer): StateFn | null {
  if (l.scanNumber()) return l.errorf('missing unit character in duration');
  if (!acceptRemainingDuration(l)) return l.errorf(`bad duration syntax: ${goQuote(l.input.slice(l.start, l.pos))}`);
  l.backup();
  l.emit('DURATION');
  return lexStatements;
}

function lexNumberOrDuration(l: Lexer): StateFn | null {
  if (l.scanNumber()) {
    l.emit('NUMBER');
    return lexStatements;
  }
  if (acceptRemainingDuration(l)) {
    l.backup();
    l.emit('DURATION');
    return lexStatements;
  }
  return l.errorf(`bad number or duration syntax: ${goQuote(l.input.slice(l.start, l.pos))}`);
}

function acceptRemainingDuration(l: Lexer): boolean {
  if (!l.accept('smhdwy')) return false;
  // "ms"; bad units like "hs" are caught when the duration is parsed.
  l.accept('s');
  while (l.accept('0123456789')) {
    while (l.accept('0123456789')) {
      // consume
    }
    // 'y' always comes first, so it is not accepted here.
    if (!l.accept('smhdw')) return false;
    l.accept('s');
  }
  return !isAlphaNumeric(l.next());
}

function lexIdentifier(l: Lexer): StateFn | null {
  while (isAlphaNumeric(l.next())) {
    // absorb
  }
  l.backup();
  l.emit('IDENTIFIER');
  return lexStatements;
}

function lexKeywordOrIdentifier(l: Lexer): StateFn | null {
  for (;;) {
    const r = l.next();
    if (isAlphaNumeric(r) || r === 0x3a) continue;
    l.backup();
    const word = l.input.slice(l.start, l.pos);
    const kw = KEYWORDS.get(word.toLowerCase());
    if (kw !== undefined) l.emit(kw);
    else if (!word.includes(':')) l.emit('IDENTIFIER');
    else l.emit('METRIC_IDENTIFIER');
    return lexStatements;
  }
}

/**
 * Scans `input` into items, comments dropped. The last item is the first EOF or ERROR.
 */
export function lex(input: string): Item[] {
  const l = new Lexer(input);
  const out: Item[] = [];
  for (;;) {
    const it = l.nextItem();
    if (it.type === 'COMMENT') continue;
    out.push(it);
    if (it.type === 'EOF' || it.type === 'ERROR') return out;
  }
}
