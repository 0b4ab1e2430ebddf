// Proves that the lexer splits PromQL into the tokens of Prometheus 2.42's lex.go (types,
// offsets, text) and stops at the first error with upstream's message.
import { describe, expect, it } from 'vitest';
import { lex, describeItem, type ItemType } from '../../../src/promql/parser/lexer.js';

type Tok = readonly [ItemType, number, string];

const rows: ReadonlyArray<readonly [string, readonly Tok[]]> = [
  [',', [['COMMA', 0, ',']]],
  ['()', [['LEFT_PAREN', 0, '('], ['RIGHT_PAREN', 1, ')']]],
  ['{}', [['LEFT_BRACE', 0, '{'], ['RIGHT_BRACE', 1, '}']]],
  ['[5m]', [['LEFT_BRACKET', 0, '['], ['DURATION', 1, '5m'], ['RIGHT_BRACKET', 3, ']']]],
  ['[ 5m]', [['LEFT_BRACKET', 0, '['], ['DURATION', 2, '5m'], ['RIGHT_BRACKET', 4, ']']]],
  ['[5m:]', [['LEFT_BRACKET', 0, '['], ['DURATION', 1, '5m'], ['COLON', 3, ':'], ['RIGHT_BRACKET', 4, ']']]],
  ['[1h30m:1m]', [['LEFT_BRACKET', 0, '['], ['DURATION', 1, '1h30m'], ['COLON', 6, ':'], ['DURATION', 7, '1m'], ['RIGHT_BRACKET', 9, ']']]],
  ['\r\n\r', []],
  ['1', [['NUMBER', 0, '1']]],
  ['4.23', [['NUMBER', 0, '4.23']]],
  ['.3', [['NUMBER', 0, '.3']]],
  ['5.', [['NUMBER', 0, '5.']]],
  ['NaN', [['NUMBER', 0, 'NaN']]],
  ['nAN', [['NUMBER', 0, 'nAN']]],
  ['NaN 123', [['NUMBER', 0, 'NaN'], ['NUMBER', 4, '123']]],
  ['inf', [['NUMBER', 0, 'inf']]],
  ['Infinity', [['IDENTIFIER', 0, 'Infinity']]],
  ['0x123', [['NUMBER', 0, '0x123']]],
  ['1e-10', [['NUMBER', 0, '1e-10']]],
  ['5s', [['DURATION', 0, '5s']]],
  ['123m', [['DURATION', 0, '123m']]],
  ['1h', [['DURATION', 0, '1h']]],
  ['3w', [['DURATION', 0, '3w']]],
  ['1y', [['DURATION', 0, '1y']]],
  ['1y2w3d4h5m6s7ms', [['DURATION', 0, '1y2w3d4h5m6s7ms']]],
  ['"test\\tsequence"', [['STRING', 0, '"test\\tsequence"']]],
  ["'test\\'sequence'", [['STRING', 0, "'test\\'sequence'"]]],
  ['`test\\sequence`', [['STRING', 0, '`test\\sequence`']]],
  ['abc', [['IDENTIFIER', 0, 'abc']]],
  ['a:bc', [['METRIC_IDENTIFIER', 0, 'a:bc']]],
  [':bc', [['METRIC_IDENTIFIER', 0, ':bc']]],
  ['abc d', [['IDENTIFIER', 0, 'abc'], ['IDENTIFIER', 4, 'd']]],
  ['# some comment', []],
  ['5 # 1+1\n5', [['NUMBER', 0, '5'], ['NUMBER', 8, '5']]],
  ['=', [['EQL', 0, '=']]],
  ['{=}', [['LEFT_BRACE', 0, '{'], ['EQL', 1, '='], ['RIGHT_BRACE', 2, '}']]],
  ['==', [['EQLC', 0, '==']]],
  ['!=', [['NEQ', 0, '!=']]],
  ['<', [['LSS', 0, '<']]],
  ['>', [['GTR', 0, '>']]],
  ['>=', [['GTE', 0, '>=']]],
  ['<=', [['LTE', 0, '<=']]],
  ['+ - * / % ^ @', [['ADD', 0, '+'], ['SUB', 2, '-'], ['MUL', 4, '*'], ['DIV', 6, '/'], ['MOD', 8, '%'], ['POW', 10, '^'], ['AT', 12, '@']]],
  ['and or unless atan2', [['LAND', 0, 'and'], ['LOR', 4, 'or'], ['LUNLESS', 7, 'unless'], ['ATAN2', 14, 'atan2']]],
  ['sum AVG Max', [['SUM', 0, 'sum'], ['AVG', 4, 'AVG'], ['MAX', 8, 'Max']]],
  ['offset by without on ignoring group_left group_right bool', [
    ['OFFSET', 0, 'offset'], ['BY', 7, 'by'], ['WITHOUT', 10, 'without'], ['ON', 18, 'on'], ['IGNORING', 21, 'ignoring'],
    ['GROUP_LEFT', 30, 'group_left'], ['GROUP_RIGHT', 41, 'group_right'], ['BOOL', 53, 'bool'],
  ]],
  ['start end', [['START', 0, 'start'], ['END', 6, 'end']]],
  ['{foo="bar"}', [['LEFT_BRACE', 0, '{'], ['IDENTIFIER', 1, 'foo'], ['EQL', 4, '='], ['STRING', 5, '"bar"'], ['RIGHT_BRACE', 10, '}']]],
  ['{NaN	!= "bar" }', [['LEFT_BRACE', 0, '{'], ['IDENTIFIER', 1, 'NaN'], ['NEQ', 5, '!='], ['STRING', 8, '"bar"'], ['RIGHT_BRACE', 14, '}']]],
  ['{alert=~"bar" }', [['LEFT_BRACE', 0, '{'], ['IDENTIFIER', 1, 'alert'], ['EQL_REGEX', 6, '=~'], ['STRING', 8, '"bar"'], ['RIGHT_BRACE', 14, '}']]],
  ['{on!~"bar"}', [['LEFT_BRACE', 0, '{'], ['IDENTIFIER', 1, 'on'], ['NEQ_REGEX', 3, '!~'], ['STRING', 5, '"bar"'], ['RIGHT_BRACE', 10, '}']]],
  ['test_name{on!~"b:ar"}[4m:4s]', [
    ['IDENTIFIER', 0, 'test_name'], ['LEFT_BRACE', 9, '{'], ['IDENTIFIER', 10, 'on'], ['NEQ_REGEX', 12, '!~'], ['STRING', 14, '"b:ar"'],
    ['RIGHT_BRACE', 20, '}'], ['LEFT_BRACKET', 21, '['], ['DURATION', 22, '4m'], ['COLON', 24, ':'], ['DURATION', 25, '4s'], ['RIGHT_BRACKET', 27, ']'],
  ]],
];

const failing: ReadonlyArray<readonly [string, number, string]> = [
  ['=~', 0, "unexpected character after '=': '~'"],
  ['!~', 0, "unexpected character after '!': '~'"],
  ['!(', 0, "unexpected character after '!': '('"],
  ['1a', 0, 'bad number or duration syntax: "1"'],
  ['{a*}', 2, "unexpected character inside braces: '*'"],
  ['{', 1, 'unexpected end of input inside braces'],
  ['}', 0, "unexpected character: '}'"],
  ['[', 1, 'missing unit character in duration'],
  [']', 0, "unexpected right bracket ']'"],
  ['[[', 1, 'missing unit character in duration'],
  ['[x]', 1, 'bad duration syntax: ""'],
  ['(', 1, 'unclosed left parenthesis'],
  [')', 1, "unexpected right parenthesis ')'"],
  ['"abc', 0, 'unterminated quoted string'],
  ['`abc', 0, 'unterminated raw string'],
  ['"\\c"', 0, "unknown escape sequence U+0063 'c'"],
  ['"\\x1"', 0, "illegal character U+0022 '\"' in escape sequence"],
  ['"\\u12"', 0, "illegal character U+0022 '\"' in escape sequence"],
  ['"\\uDFFF"', 0, 'escape sequence is an invalid Unicode code point'],
  ['"\ud800"', 0, 'invalid UTF-8 rune'],
  ['foo[5m:1m:1m]', 9, "unexpected colon ':'"],
  ['foo[5m:1m x]', 10, "unexpected colon 'x'"],
  ['x$', 1, "unexpected character: '$'"],
  ['x\u0007', 1, "unexpected character: '\\a'"],
];

describe('lex', () => {
  it.each(rows)('%j', (input, tokens) => {
    const items = lex(input);
    expect(items.at(-1)!.type).toBe('EOF');
    expect(items.slice(0, -1).map((t) => [t.type, t.pos, t.val])).toEqual(tokens);
  });

  it.each(failing)('%j fails at %d', (input, pos, message) => {
    const last = lex(input).at(-1)!;
    expect(last).toEqual({ type: 'ERROR', pos, val: message });
  });
});

describe('describeItem', () => {
  it.each([
    ['foo', 'identifier "foo"'],
    ['a:b', 'metric identifier "a:b"'],
    ['1', 'number "1"'],
    ['5m', 'duration "5m"'],
    ['"abc"', 'string "\\"abc\\""'],
    ['"abcdefghijkl"', 'string "\\"abcdefghi"...'],
    ['sum', '<aggr:sum>'],
    ['by', '<by>'],
    ['OFFSET', '<OFFSET>'],
    ['+', '<op:+>'],
    ['and', '<op:and>'],
    ['@', '<op:@>'],
    ['start', '"start"'],
    [',', '","'],
    ['(', '"("'],
    ['', 'end of input'],
  ])('%j is described as %s', (input, text) => {
    expect(describeItem(lex(input)[0]!)).toBe(text);
  });
});
