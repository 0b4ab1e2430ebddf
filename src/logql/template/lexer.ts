/**
 * The lexer of Go's `text/template/parse` (lex.go), item for item: text, `{{`/`}}` with
 * trim markers, comments, and the tokens inside actions. Positions are UTF-16 offsets into
 * the template; lines are 1-based. Errors are returned as `error` items carrying Go's text
 * (`unclosed action`, `unterminated quoted string`, `bad character U+002B '+'`).
 */
import { goQuote } from '../go-text.js';

/** Item types, in Go's order; keywords come after `keyword`. */
export const enum Item {
  error,
  bool,
  char,
  charConstant,
  complex,
  assign,
  declare,
  eof,
  field,
  identifier,
  leftDelim,
  leftParen,
  number,
  pipe,
  rawString,
  rightDelim,
  rightParen,
  space,
  string,
  text,
  variable,
  keyword,
  block,
  break,
  continue,
  dot,
  define,
  else,
  end,
  if,
  nil,
  range,
  template,
  with,
}

/** One token. */
export interface Token {
  readonly typ: Item;
  readonly pos: number;
  readonly val: string;
  readonly line: number;
}

const KEYWORDS: Readonly<Record<string, Item>> = {
  '.': Item.dot,
  block: Item.block,
  break: Item.break,
  continue: Item.continue,
  define: Item.define,
  else: Item.else,
  end: Item.end,
  if: Item.if,
  range: Item.range,
  nil: Item.nil,
  template: Item.template,
  with: Item.with,
};

const EOF = -1;
const LEFT = '{{';
const RIGHT = '}}';

function isSpace(r: number): boolean {
  return r === 0x20 || r === 0x09 || r === 0x0d || r === 0x0a;
}

const LETTER_OR_DIGIT = /[\p{L}\p{Nd}_]/u;

function isAlphaNumeric(r: number): boolean {
  if (r < 0x80) return r === 0x5f || (r >= 0x30 && r <= 0x39) || (r >= 0x41 && r <= 0x5a) || (r >= 0x61 && r <= 0x7a);
  return r !== EOF && LETTER_OR_DIGIT.test(String.fromCodePoint(r));
}

/** Go's `%#U`: `U+0041 'A'` (the quoted form only for printable runes). */
export function formatRuneU(r: number): string {
  const hex = 'U+' + r.toString(16).toUpperCase().padStart(4, '0');
  return /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(String.fromCodePoint(r)) ? `${hex} '${String.fromCodePoint(r)}'` : hex;
}

function hasLeftTrimMarker(s: string, at: number): boolean {
  return s.length >= at + 2 && s[at] === '-' && isSpace(s.charCodeAt(at + 1));
}

function hasRightTrimMarker(s: string, at: number): boolean {
  return s.length >= at + 2 && isSpace(s.charCodeAt(at)) && s[at + 1] === '-';
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === 0x0a) n++;
  return n;
}

type StateFn = ((l: Lexer) => StateFn) | null;

/** A pull lexer: the parser calls `nextItem()`. */
export class Lexer {
  private pos = 0;
  private start = 0;
  private atEOF = false;
  private parenDepth = 0;
  private line = 1;
  private startLine = 1;
  private item: Token = { typ: Item.eof, pos: 0, val: 'EOF', line: 1 };
  private insideAction = false;

  constructor(
    private input: string,
    /** `break`/`continue` are keywords (Go turns them into identifiers when a function has that name). */
    readonly breakOK = true,
    readonly continueOK = true,
  ) {}

  nextItem(): Token {
    this.item = { typ: Item.eof, pos: this.pos, val: 'EOF', line: this.startLine };
    let state: StateFn = this.insideAction ? lexInsideAction : lexText;
    while (state !== null) state = state(this);
    return this.item;
  }

  // --- helpers used by the state functions ---

  next(): number {
    if (this.pos >= this.input.length) {
      this.atEOF = true;
      return EOF;
    }
    const r = this.input.codePointAt(this.pos)!;
    this.pos += r > 0xffff ? 2 : 1;
    if (r === 0x0a) this.line++;
    return r;
  }

  peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }

  backup(): void {
    if (!this.atEOF && this.pos > 0) {
      const c = this.input.charCodeAt(this.pos - 1);
      this.pos -= c >= 0xdc00 && c <= 0xdfff && this.pos >= 2 ? 2 : 1;
      if (c === 0x0a) this.line--;
    }
  }

  thisItem(t: Item): Token {
    const i = { typ: t, pos: this.start, val: this.input.slice(this.start, this.pos), line: this.startLine };
    this.start = this.pos;
    this.startLine = this.line;
    return i;
  }

  emit(t: Item): StateFn {
    return this.emitItem(this.thisItem(t));
  }

  emitItem(i: Token): StateFn {
    this.item = i;
    return null;
  }

  ignore(): void {
    this.line += countNewlines(this.input, this.start, this.pos);
    this.start = this.pos;
    this.startLine = this.line;
  }

  accept(valid: string): boolean {
    const r = this.next();
    if (r !== EOF && valid.includes(String.fromCodePoint(r))) return true;
    this.backup();
    return false;
  }

  acceptRun(valid: string): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || !valid.includes(String.fromCodePoint(r))) break;
    }
    this.backup();
  }

  errorf(msg: string): StateFn {
    this.item = { typ: Item.error, pos: this.start, val: msg, line: this.startLine };
    this.start = 0;
    this.pos = 0;
    this.input = '';
    return null;
  }

  atRightDelim(): [boolean, boolean] {
    if (hasRightTrimMarker(this.input, this.pos) && this.input.startsWith(RIGHT, this.pos + 2)) return [true, true];
    if (this.input.startsWith(RIGHT, this.pos)) return [true, false];
    return [false, false];
  }

  atTerminator(): boolean {
    const r = this.peek();
    if (isSpace(r)) return true;
    switch (r) {
      case EOF:
      case 0x2e: // .
      case 0x2c: // ,
      case 0x7c: // |
      case 0x3a: // :
      case 0x29: // )
      case 0x28: // (
        return true;
    }
    return this.input.startsWith(RIGHT, this.pos);
  }

  scanNumber(): boolean {
    this.accept('+-');
    let digits = '0123456789_';
    let decimal = true;
    let hex = false;
    if (this.accept('0')) {
      if (this.accept('xX')) {
        digits = '0123456789abcdefABCDEF_';
        [decimal, hex] = [false, true];
      } else if (this.accept('oO')) {
        digits = '01234567_';
        decimal = false;
      } else if (this.accept('bB')) {
        digits = '01_';
        decimal = false;
      }
    }
    this.acceptRun(digits);
    if (this.accept('.')) this.acceptRun(digits);
    if (decimal && this.accept('eE')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    if (hex && this.accept('pP')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    this.accept('i');
    if (isAlphaNumeric(this.peek())) {
      this.next();
      return false;
    }
    return true;
  }

  // --- raw access for the state functions ---
  get src(): string {
    return this.input;
  }
  get at(): number {
    return this.pos;
  }
  set at(p: number) {
    this.pos = p;
  }
  get from(): number {
    return this.start;
  }
  addLines(n: number): void {
    this.line += n;
  }
  setInsideAction(v: boolean): void {
    this.insideAction = v;
  }
  setParenDepth(d: number): void {
    this.parenDepth = d;
  }
  get depth(): number {
    return this.parenDepth;
  }
}

function lexText(l: Lexer): StateFn {
  const s = l.src;
  const x = s.indexOf(LEFT, l.at);
  if (x >= 0) {
    if (x > l.at) {
      l.at = x;
      let trim = 0;
      if (hasLeftTrimMarker(s, x + LEFT.length)) {
        let j = x;
        while (j > l.from && isSpace(s.charCodeAt(j - 1))) j--;
        trim = x - j;
      }
      l.at = x - trim;
      l.addLines(countNewlines(s, l.from, l.at));
      const i = l.thisItem(Item.text);
      l.at = x;
      l.ignore();
      if (i.val.length > 0) return l.emitItem(i);
    }
    return lexLeftDelim;
  }
  l.at = s.length;
  if (l.at > l.from) {
    l.addLines(countNewlines(s, l.from, l.at));
    return l.emit(Item.text);
  }
  return l.emit(Item.eof);
}

function lexLeftDelim(l: Lexer): StateFn {
  l.at += LEFT.length;
  const trim = hasLeftTrimMarker(l.src, l.at);
  const after = trim ? 2 : 0;
  if (l.src.startsWith('/*', l.at + after)) {
    l.at += after;
    l.ignore();
    return lexComment;
  }
  const i = l.thisItem(Item.leftDelim);
  l.setInsideAction(true);
  l.at += after;
  l.ignore();
  l.setParenDepth(0);
  return l.emitItem(i);
}

function lexComment(l: Lexer): StateFn {
  l.at += 2;
  const x = l.src.indexOf('*/', l.at);
  if (x < 0) return l.errorf('unclosed comment');
  l.at = x + 2;
  const [delim, trim] = l.atRightDelim();
  if (!delim) return l.errorf('comment ends before closing delimiter');
  l.addLines(countNewlines(l.src, l.from, l.at));
  l.thisItem(Item.text);
  if (trim) l.at += 2;
  l.at += RIGHT.length;
  if (trim) while (l.at < l.src.length && isSpace(l.src.charCodeAt(l.at))) l.at++;
  l.ignore();
  return lexText;
}

function lexRightDelim(l: Lexer): StateFn {
  const [, trim] = l.atRightDelim();
  if (trim) {
    l.at += 2;
    l.ignore();
  }
  l.at += RIGHT.length;
  const i = l.thisItem(Item.rightDelim);
  if (trim) {
    while (l.at < l.src.length && isSpace(l.src.charCodeAt(l.at))) l.at++;
    l.ignore();
  }
  l.setInsideAction(false);
  return l.emitItem(i);
}

function lexInsideAction(l: Lexer): StateFn {
  const [delim] = l.atRightDelim();
  if (delim) {
    if (l.depth === 0) return lexRightDelim;
    return l.errorf('unclosed left paren');
  }
  const r = l.next();
  if (r === EOF) return l.errorf('unclosed action');
  if (isSpace(r)) {
    l.backup(); // the space may start " -}}"
    return lexSpace;
  }
  switch (r) {
    case 0x3d: // =
      return l.emit(Item.assign);
    case 0x3a: // :
      if (l.next() !== 0x3d) return l.errorf('expected :=');
      return l.emit(Item.declare);
    case 0x7c:
      return l.emit(Item.pipe);
    case 0x22:
      return lexQuote;
    case 0x60:
      return lexRawQuote;
    case 0x24:
      return lexVariable;
    case 0x27:
      return lexChar;
    case 0x28:
      l.setParenDepth(l.depth + 1);
      return l.emit(Item.leftParen);
    case 0x29:
      l.setParenDepth(l.depth - 1);
      if (l.depth < 0) return l.errorf('unexpected right paren');
      return l.emit(Item.rightParen);
  }
  if (r === 0x2e) {
    // ".field", unless a digit follows (".5" is a number).
    const c = l.src.charCodeAt(l.at);
    if (l.at < l.src.length && (c < 0x30 || c > 0x39)) return lexField;
  }
  if (r === 0x2e || r === 0x2b || r === 0x2d || (r >= 0x30 && r <= 0x39)) {
    l.backup();
    return lexNumber;
  }
  if (isAlphaNumeric(r)) {
    l.backup();
    return lexIdentifier;
  }
  if (r <= 0x7f && r >= 0x20 && r !== 0x7f) return l.emit(Item.char);
  return l.errorf(`unrecognized character in action: ${formatRuneU(r)}`);
}

function lexSpace(l: Lexer): StateFn {
  let n = 0;
  while (isSpace(l.peek())) {
    l.next();
    n++;
  }
  // A trim-marked closing delimiter starts with a space: leave it to lexRightDelim.
  if (hasRightTrimMarker(l.src, l.at - 1) && l.src.startsWith(RIGHT, l.at + 1)) {
    l.backup();
    if (n === 1) return lexRightDelim;
  }
  return l.emit(Item.space);
}

function lexIdentifier(l: Lexer): StateFn {
  for (;;) {
    const r = l.next();
    if (isAlphaNumeric(r)) continue;
    l.backup();
    const word = l.src.slice(l.from, l.at);
    if (!l.atTerminator()) return l.errorf(`bad character ${formatRuneU(r)}`);
    const kw = KEYWORDS[word];
    if (kw !== undefined) {
      if ((kw === Item.break && !l.breakOK) || (kw === Item.continue && !l.continueOK)) return l.emit(Item.identifier);
      return l.emit(kw);
    }
    if (word[0] === '.') return l.emit(Item.field);
    if (word === 'true' || word === 'false') return l.emit(Item.bool);
    return l.emit(Item.identifier);
  }
}

function lexField(l: Lexer): StateFn {
  return lexFieldOrVariable(l, Item.field);
}

function lexVariable(l: Lexer): StateFn {
  if (l.atTerminator()) return l.emit(Item.variable);
  return lexFieldOrVariable(l, Item.variable);
}

function lexFieldOrVariable(l: Lexer, typ: Item): StateFn {
  if (l.atTerminator()) return l.emit(typ === Item.variable ? Item.variable : Item.dot);
  let r: number;
  for (;;) {
    r = l.next();
    if (!isAlphaNumeric(r)) {
      l.backup();
      break;
    }
  }
  if (!l.atTerminator()) return l.errorf(`bad character ${formatRuneU(r)}`);
  return l.emit(typ);
}

function lexChar(l: Lexer): StateFn {
  for (;;) {
    const r = l.next();
    if (r === 0x5c) {
      const n = l.next();
      if (n !== EOF && n !== 0x0a) continue;
      return l.errorf('unterminated character constant');
    }
    if (r === EOF || r === 0x0a) return l.errorf('unterminated character constant');
    if (r === 0x27) break;
  }
  return l.emit(Item.charConstant);
}

function lexNumber(l: Lexer): StateFn {
  if (!l.scanNumber()) return l.errorf(`bad number syntax: ${goQuote(l.src.slice(l.from, l.at))}`);
  const sign = l.peek();
  if (sign === 0x2b || sign === 0x2d) {
    if (!l.scanNumber() || l.src[l.at - 1] !== 'i') return l.errorf(`bad number syntax: ${goQuote(l.src.slice(l.from, l.at))}`);
    return l.emit(Item.complex);
  }
  return l.emit(Item.number);
}

function lexQuote(l: Lexer): StateFn {
  for (;;) {
    const r = l.next();
    if (r === 0x5c) {
      const n = l.next();
      if (n !== EOF && n !== 0x0a) continue;
      return l.errorf('unterminated quoted string');
    }
    if (r === EOF || r === 0x0a) return l.errorf('unterminated quoted string');
    if (r === 0x22) break;
  }
  return l.emit(Item.string);
}

function lexRawQuote(l: Lexer): StateFn {
  for (;;) {
    const r = l.next();
    if (r === EOF) return l.errorf('unterminated raw quoted string');
    if (r === 0x60) break;
  }
  return l.emit(Item.rawString);
}
