// Proves that `| json`, `| json a="path"`, the path grammar and `| unpack` extract what Loki's
// jsonparser-based stages extract, with Loki's error texts.
import { describe, expect, it } from 'vitest';
import { jsonExpressionParser, jsonParser, unpackParser } from '../../../../src/logql/pipeline/parsers/index.js';
import { parseJsonPath } from '../../../../src/logql/pipeline/parsers/json-path.js';
import { run, thrown } from './helpers.js';

const MALFORMED_OBJECT = "Value looks like object, but can't find closing '}' symbol";

describe('jsonParser', () => {
  const cases: { name: string; line: string; fields: [string, string][]; details?: string }[] = [
    {
      name: 'conformance: nested objects flatten, null and arrays drop, scalars as text',
      line: '{"lvl":"warn","obj":{"x":1,"y":{"z":2}},"ok":true,"no":false,"nil":null,"arr":[1,2],"f":1.5}',
      fields: [['lvl', 'warn'], ['obj_x', '1'], ['obj_y_z', '2'], ['ok', 'true'], ['no', 'false'], ['f', '1.5']],
    },
    {
      name: 'conformance: dotted key sanitised, duplicates all reported in order',
      line: '{"level":"parsed","a.b":1,"dup":"first","dup":"second"}',
      fields: [['level', 'parsed'], ['a_b', '1'], ['dup', 'first'], ['dup', 'second']],
    },
    { name: 'number text kept as written', line: '{"a":1.0,"b":12345678901234567890,"c":-0.5e10}', fields: [['a', '1.0'], ['b', '12345678901234567890'], ['c', '-0.5e10']] },
    { name: 'digit-led key: `_` only at the top', line: '{"1x":{"2y":3},"a":{"9":4}}', fields: [['_1x_2y', '3'], ['a_9', '4']] },
    { name: 'escapes and surrogate pairs', line: '{"s":"a\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00"}', fields: [['s', 'a"b\\c/\né😀']] },
    { name: 'invalid escape gives an empty value', line: '{"s":"a\\x","t":"ok"}', fields: [['s', ''], ['t', 'ok']] },
    { name: 'U+FFFD becomes a space', line: '{"s":"a\uFFFDb"}', fields: [['s', 'a b']] },
    { name: 'escaped key is unescaped then sanitised', line: '{"a\\u0020b":1}', fields: [['a_b', '1']] },
    { name: 'non-ASCII key: one `_` per code point', line: '{"é😀x":1}', fields: [['__x', '1']] },
    { name: 'whitespace around tokens', line: ' { "a" : 1 , "b" : { "c" : "d" } } ', fields: [['a', '1'], ['b_c', 'd']] },
    { name: 'text after the object is ignored', line: '{"a":1} trailing', fields: [['a', '1']] },
    { name: 'empty object', line: '{}', fields: [] },
    { name: 'empty top-level key is skipped', line: '{"":1,"b":2}', fields: [['b', '2']] },
    { name: 'conformance: not json', line: 'broken', fields: [], details: MALFORMED_OBJECT },
    { name: 'empty line', line: '', fields: [], details: MALFORMED_OBJECT },
    { name: 'fields before a failure are kept', line: '{"a":1,"b":x}', fields: [['a', '1']], details: 'Unknown value type' },
    { name: 'unterminated object', line: '{"a":1', fields: [['a', '1']], details: "Value is array, but can't find closing ']' symbol" },
    { name: 'unterminated string', line: '{"a":"x', fields: [], details: 'Value is string, but can\'t find closing \'"\' symbol' },
    { name: 'bad literal', line: '{"a":tru}', fields: [], details: 'Unknown value type' },
    { name: 'missing colon', line: '{"a" 1}', fields: [], details: 'Malformed JSON error' },
    { name: 'trailing comma before }', line: '{"a":1,}', fields: [['a', '1']], details: MALFORMED_OBJECT },
    { name: 'trailing comma then space is accepted (jsonparser quirk)', line: '{"a":1, }', fields: [['a', '1']] },
    { name: 'nested failure stops the walk', line: '{"a":{"b":[},"c":1}', fields: [], details: "Value is array, but can't find closing ']' symbol" },
    { name: 'bad key escape', line: '{"a\\q":1}', fields: [], details: 'Encountered an invalid escape sequence in a string' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = run(jsonParser(), c.line);
      expect(r.fields).toEqual(c.fields);
      expect(r.failure).toEqual(c.details === undefined ? undefined : { type: 'JSONParserErr', details: c.details });
    });
  }

  it('honours wanted', () => {
    const fields: string[] = [];
    jsonParser().parse('{"a":1,"b":{"c":2}}', (k) => fields.push(k), { wanted: (k) => k === 'b_c' });
    expect(fields).toEqual(['b_c']);
  });
});

describe('parseJsonPath', () => {
  const cases: { expr: string; path?: (string | number)[]; error?: string }[] = [
    { expr: 'user.id', path: ['user', 'id'] },
    { expr: 'tags[0]', path: ['tags', 0] },
    { expr: '["a.b"].c[12]', path: ['a.b', 'c', 12] },
    { expr: 'a[ "x y" ]', path: ['a', 'x y'] },
    { expr: '[0][1]', path: [0, 1] },
    { expr: 'user[', error: 'syntax error: unexpected $end, expecting STRING or INDEX' },
    { expr: '', error: 'syntax error: unexpected $end, expecting LSB or FIELD' },
    { expr: '.a', error: 'syntax error: unexpected DOT, expecting LSB or FIELD' },
    { expr: 'a]', error: 'syntax error: unexpected RSB, expecting DOT or LSB' },
    { expr: 'a.', error: 'syntax error: unexpected $end, expecting FIELD' },
    // The lexer refuses the digit run cut by the end (Go reads a NUL there), so yacc sees $end.
    { expr: 'a[0', error: 'syntax error: unexpected $end, expecting STRING or INDEX' },
    { expr: 'a["x"', error: 'syntax error: unexpected $end, expecting RSB' },
    { expr: 'a.0', error: 'syntax error: unexpected $end, expecting FIELD' },
    { expr: 'a-b', error: 'unexpected char -' },
    { expr: 'a[1.5]', error: 'syntax error: unexpected $end, expecting STRING or INDEX' },
  ];
  for (const c of cases) {
    it(JSON.stringify(c.expr), () => {
      if (c.error !== undefined) expect(thrown(() => parseJsonPath(c.expr))).toBe(c.error);
      else expect(parseJsonPath(c.expr)).toEqual(c.path);
    });
  }
});

describe('jsonExpressionParser', () => {
  const doc = '{"user":{"id":"u1","name":"alice","n":null},"tags":["x","y",{"k":"v"}],"num":1.50}';
  const cases: { name: string; params: [string, string][]; line: string; fields: [string, string][]; details?: string }[] = [
    {
      name: 'conformance: nested field and array index',
      params: [['who', 'user.id'], ['tag', 'tags[0]']],
      line: doc,
      fields: [['who', 'u1'], ['tag', 'x']],
    },
    { name: 'conformance: a missing path yields ""', params: [['age', 'user.age']], line: doc, fields: [['age', '']] },
    { name: 'object as JSON text', params: [['u', 'user']], line: doc, fields: [['u', '{"id":"u1","name":"alice","n":null}']] },
    { name: 'array as text', params: [['t', 'tags']], line: doc, fields: [['t', '["x","y",{"k":"v"}]']] },
    { name: 'null as ""', params: [['n', 'user.n']], line: doc, fields: [['n', '']] },
    { name: 'number text kept', params: [['num', 'num']], line: doc, fields: [['num', '1.50']] },
    { name: 'key inside an array element', params: [['k', 'tags[2].k']], line: doc, fields: [['k', 'v']] },
    { name: 'document order, not parameter order', params: [['b', 'tags[1]'], ['a', 'user.name']], line: doc, fields: [['a', 'alice'], ['b', 'y']] },
    { name: 'quoted key with a dot', params: [['d', '["a.b"]']], line: '{"a.b":"dot","a":{"b":"nested"}}', fields: [['d', 'dot']] },
    { name: 'string value unescaped', params: [['s', 's']], line: '{"s":"a\\"b"}', fields: [['s', 'a"b']] },
    { name: 'not JSON: error without details', params: [['a', 'a']], line: 'a=b', fields: [], details: '' },
    { name: 'leading space is not JSON to Loki', params: [['a', 'a']], line: ' {"a":1}', fields: [], details: '' },
    { name: 'empty line: nothing at all', params: [['a', 'a']], line: '', fields: [] },
    { name: 'bad value: error and empty fill', params: [['a', 'a']], line: '{"a":xyz}', fields: [['a', '']], details: 'Unknown value type' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = jsonExpressionParser(c.params.map(([label, expression]) => ({ label, expression })));
      const r = run(p, c.line);
      expect(r.fields).toEqual(c.fields);
      expect(r.failure).toEqual(c.details === undefined ? undefined : { type: 'JSONParserErr', details: c.details });
    });
  }

  it('reports missing paths through absent when given', () => {
    const fields: string[] = [];
    const absent: string[] = [];
    jsonExpressionParser([{ label: 'a', expression: 'a' }, { label: 'b', expression: 'b' }])
      .parse('{"a":1}', (k) => fields.push(k), { absent: (k) => absent.push(k) });
    expect([fields, absent]).toEqual([['a'], ['b']]);
  });

  it.each([
    ['bad', 'user[', 'cannot parse expression [user[]: syntax error: unexpected $end, expecting STRING or INDEX'],
    ['a-b', 'x', "invalid extracted label name 'a-b'"],
  ])('refuses %s=%s', (label, expression, error) => {
    expect(thrown(() => jsonExpressionParser([{ label, expression }]))).toBe(error);
  });
});

describe('unpackParser', () => {
  const cases: { name: string; line: string; out: string; fields: [string, string][]; details?: string }[] = [
    {
      name: 'conformance: strings become fields, _entry the line, non-strings skipped',
      line: '{"lvl":"info","cluster":"eu","num":5,"_entry":"real message"}',
      out: 'real message',
      fields: [['lvl', 'info'], ['cluster', 'eu']],
    },
    { name: 'conformance: the entry feeds the next parser', line: '{"lvl":"packed","_entry":"code=42"}', out: 'code=42', fields: [['lvl', 'packed']] },
    { name: 'without _entry nothing applies', line: '{"a":"b"}', out: '{"a":"b"}', fields: [] },
    { name: 'entry unescaped, keys sanitised', line: '{"a.b":"x","_entry":"l\\n1"}', out: 'l\n1', fields: [['a_b', 'x']] },
    { name: 'conformance: not json', line: 'not json', out: 'not json', fields: [], details: 'expecting json object(6), but it is not' },
    { name: 'malformed: nothing applies', line: '{"a":"b","_entry":"x",', out: '{"a":"b","_entry":"x",', fields: [], details: "Value is array, but can't find closing ']' symbol" },
    { name: 'bad entry escape', line: '{"_entry":"\\q"}', out: '{"_entry":"\\q"}', fields: [], details: 'Encountered an invalid escape sequence in a string' },
    { name: 'empty line', line: '', out: '', fields: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const fields: [string, string][] = [];
      const r = unpackParser().parse(c.line, (k, v) => fields.push([k, v]));
      expect(r.line).toBe(c.out);
      expect(fields).toEqual(c.fields);
      expect(r.failure).toEqual(c.details === undefined ? undefined : { type: 'JSONParserErr', details: c.details });
    });
  }
});
