// Proves that `| logfmt` (plain, --strict, --keep-empty) and `| logfmt a="b"` extract what Loki's
// logfmt decoder extracts, with its error texts and byte positions.
import { describe, expect, it } from 'vitest';
import { logfmtExpressionParser, logfmtParser } from '../../../../src/logql/pipeline/parsers/index.js';
import { parseLogfmtExpression } from '../../../../src/logql/pipeline/parsers/logfmt.js';
import { run, thrown } from './helpers.js';

const plain = { strict: false, keepEmpty: false };
const strict = { strict: true, keepEmpty: false };
const keepEmpty = { strict: false, keepEmpty: true };

describe('logfmtParser', () => {
  const cases: { name: string; flags?: typeof plain; line: string; fields: [string, string][]; details?: string }[] = [
    { name: 'conformance: basic', line: 'level=info status=200', fields: [['level', 'info'], ['status', '200']] },
    {
      name: 'conformance: sanitised keys, duplicates in order, quoted value, empty dropped',
      line: 'a-b=1 9x=2 dup=first dup=second msg="hi there" empty=',
      fields: [['a_b', '1'], ['_9x', '2'], ['dup', 'first'], ['dup', 'second'], ['msg', 'hi there']],
    },
    {
      name: 'conformance: --keep-empty keeps empty values',
      flags: keepEmpty,
      line: 'a-b=1 9x=2 dup=first dup=second msg="hi there" empty=',
      fields: [['a_b', '1'], ['_9x', '2'], ['dup', 'first'], ['dup', 'second'], ['msg', 'hi there'], ['empty', '']],
    },
    { name: 'bare key dropped', line: 'flag a=1', fields: [['a', '1']] },
    { name: 'bare key kept with --keep-empty', flags: keepEmpty, line: 'flag a=1 b=""', fields: [['flag', ''], ['a', '1'], ['b', '']] },
    { name: 'conformance: non-strict skips the bad pair', line: 'good=1 bad="unterminated', fields: [['good', '1']] },
    {
      name: 'conformance: --strict stops with LogfmtParserErr',
      flags: strict,
      line: 'good=1 bad="unterminated',
      fields: [['good', '1']],
      details: 'logfmt syntax error at pos 25 : unterminated quoted value',
    },
    { name: 'non-strict goes on after a bad pair', line: 'a=1 b=x=y c=3 =4 d"=5 e=6', fields: [['a', '1'], ['c', '3'], ['e', '6']] },
    { name: 'strict: unexpected =', flags: strict, line: 'a=1 b=x=y c=3', fields: [['a', '1']], details: "logfmt syntax error at pos 8 : unexpected '='" },
    { name: 'strict: key starting with =', flags: strict, line: '=4', fields: [], details: "logfmt syntax error at pos 1 : unexpected '='" },
    { name: 'strict: quote in key', flags: strict, line: 'a"b=1', fields: [], details: 'logfmt syntax error at pos 2 : unexpected \'"\'' },
    { name: 'strict: positions count UTF-8 bytes', flags: strict, line: 'é=1 b=x"', fields: [['_', '1']], details: 'logfmt syntax error at pos 9 : unexpected \'"\'' },
    { name: 'strict: invalid escape', flags: strict, line: 'a="x\\qy" b=1', fields: [], details: 'logfmt syntax error at pos 9 : invalid quoted value' },
    { name: 'strict: key with U+FFFD', flags: strict, line: 'a\uFFFD=1', fields: [], details: 'logfmt syntax error at pos 5 : invalid key' },
    { name: 'escapes in quoted values', line: 'a="x\\"y\\\\z\\n\\u00e9\\ud83d\\ude00\\t"', fields: [['a', 'x"y\\z\né😀\t']] },
    { name: 'lone surrogate escape becomes U+FFFD then a space', line: 'a="\\ud800x"', fields: [['a', ' x']] },
    { name: 'raw newline inside quotes', line: 'a="x\ny" b=2', fields: [['a', 'x\ny'], ['b', '2']] },
    { name: 'control characters separate pairs', line: 'a=1\tb=2\u0001c=3', fields: [['a', '1'], ['b', '2'], ['c', '3']] },
    { name: 'U+FFFD in a value becomes a space', line: 'a=x\uFFFDy', fields: [['a', 'x y']] },
    { name: 'leading and trailing blanks', line: '  a=1  ', fields: [['a', '1']] },
    { name: 'empty line', line: '', fields: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = run(logfmtParser(c.flags ?? plain), c.line);
      expect(r.fields).toEqual(c.fields);
      expect(r.failure).toEqual(c.details === undefined ? undefined : { type: 'LogfmtParserErr', details: c.details });
    });
  }
});

describe('parseLogfmtExpression', () => {
  it.each([
    ['status', ['status']],
    ['"status"', ['status']],
    ['a "b"', ['a', 'b']],
  ])('%s', (expr, path) => expect(parseLogfmtExpression(expr)).toEqual(path));
  it.each([
    ['', 'syntax error: unexpected $end, expecting STRING or FIELD'],
    ['a b', 'syntax error: unexpected FIELD, expecting STRING'],
    ['a.b', 'unexpected char .'],
  ])('refuses %j', (expr, error) => expect(thrown(() => parseLogfmtExpression(expr))).toBe(error));
});

describe('logfmtExpressionParser', () => {
  const cases: { name: string; params: [string, string][]; flags?: typeof plain; line: string; fields: [string, string][]; details?: string }[] = [
    { name: 'conformance: renamed and direct', params: [['level', 'level'], ['code', 'status']], line: 'level=info status=200 msg=hi', fields: [['level', 'info'], ['code', '200']] },
    { name: 'missing label filled with ""', params: [['a', 'a'], ['b', 'b']], line: 'a=1', fields: [['a', '1'], ['b', '']] },
    { name: 'empty values kept', params: [['a', 'a']], line: 'a=', fields: [['a', '']] },
    { name: 'U+FFFD empties the value', params: [['a', 'a']], line: 'a=x\uFFFD', fields: [['a', '']] },
    { name: 'strict error still fills', params: [['a', 'a'], ['b', 'b']], flags: strict, line: 'a=1 =', fields: [['a', '1'], ['b', '']], details: "logfmt syntax error at pos 5 : unexpected '='" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = logfmtExpressionParser(c.params.map(([label, expression]) => ({ label, expression })), c.flags ?? plain);
      const r = run(p, c.line);
      expect(r.fields).toEqual(c.fields);
      expect(r.failure).toEqual(c.details === undefined ? undefined : { type: 'LogfmtParserErr', details: c.details });
    });
  }
  it.each([
    [[], 'no logfmt expression provided'],
    [[{ label: 'a', expression: 'x.y' }], 'cannot parse expression [x.y]: unexpected char .'],
    [[{ label: 'a-b', expression: 'x' }], "invalid extracted label name 'a-b'"],
  ])('refuses %j', (params, error) => expect(thrown(() => logfmtExpressionParser(params))).toBe(error));
});
