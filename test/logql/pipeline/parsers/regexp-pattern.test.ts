// Proves that `| regexp`, `| pattern` and the `|>`/`!>` pattern line filters match and refuse
// exactly as Loki's RegexpParser, pattern.Matcher.Matches and Matcher.Test do.
import { describe, expect, it } from 'vitest';
import { compileLinePattern, patternParser, regexpParser } from '../../../../src/logql/pipeline/parsers/index.js';
import { run, thrown } from './helpers.js';

describe('regexpParser', () => {
  const cases: { name: string; re: string; line: string; fields: [string, string][] }[] = [
    {
      name: 'conformance: named groups',
      re: '(?P<method>\\w+) (?P<path>\\S+) (?P<status>\\d+)',
      line: 'GET /home 200',
      fields: [['method', 'GET'], ['path', '/home'], ['status', '200']],
    },
    { name: 'conformance: no match extracts nothing', re: '(?P<num>\\d+)', line: 'PUT /x', fields: [] },
    { name: 'unanchored, leftmost match', re: '(?P<n>\\d+)', line: 'a 12 b 34', fields: [['n', '12']] },
    { name: 'unnamed groups are skipped', re: '(a)(?P<b>b)(?:c)(d)?(?P<e>e)', line: 'abce', fields: [['b', 'b'], ['e', 'e']] },
    { name: 'an unmatched named group gives ""', re: 'x(?P<a>a)?(?P<b>b)', line: 'xb', fields: [['a', ''], ['b', 'b']] },
    { name: 'parens in classes and escapes are not groups', re: '[(](?P<a>\\(x\\))[)]', line: '((x))', fields: [['a', '(x)']] },
    { name: '\\Q…\\E is literal', re: '\\Q(?P<no>\\E(?P<yes>.)', line: '(?P<no>z', fields: [['yes', 'z']] },
    { name: 'dot does not match newline', re: '(?P<a>.+)', line: 'ab\ncd', fields: [['a', 'ab']] },
    { name: 'unicode', re: '(?P<w>\\p{L}+)', line: '--héllo--', fields: [['w', 'héllo']] },
  ];
  for (const c of cases) {
    it(c.name, () => expect(run(regexpParser(c.re), c.line)).toEqual({ fields: c.fields, failure: undefined }));
  }

  it.each([
    ['nocapture', 'at least one named capture must be supplied'],
    ['(a)(b)', 'at least one named capture must be supplied'],
    ['(?P<x>.)(?P<x>.)', "duplicate extracted label name 'x'"],
    ['(?P<1a>.)', "invalid extracted label name '1a'"],
    ['(', 'error parsing regexp: missing closing ): `(`'],
    ['(?P<x>.)(?P<x>.)(', 'error parsing regexp: missing closing ): `(?P<x>.)(?P<x>.)(`'],
  ])('refuses %s', (re, error) => {
    expect(thrown(() => regexpParser(re))).toBe(error);
  });
});

describe('patternParser', () => {
  const cases: { name: string; pattern: string; line: string; fields: [string, string][] }[] = [
    { name: 'conformance: three captures', pattern: '<method> <path> <status>', line: 'GET /home 200', fields: [['method', 'GET'], ['path', '/home'], ['status', '200']] },
    { name: 'conformance: <_> skips', pattern: '<method> <_> <status>', line: 'GET /home 200', fields: [['method', 'GET'], ['status', '200']] },
    { name: 'conformance: short line fills the leading captures', pattern: '<method> <path>', line: 'POST', fields: [['method', 'POST']] },
    { name: 'leading literal anchors', pattern: 'foo <foo> bar', line: 'foo buzz bar', fields: [['foo', 'buzz']] },
    { name: 'leading literal missing: no match', pattern: 'foo <foo>', line: 'xfoo buzz', fields: [] },
    { name: 'trailing literal then empty capture', pattern: 'foo <foo> bar<fuzz>', line: 'foo buzz bar', fields: [['foo', 'buzz'], ['fuzz', '']] },
    { name: 'empty leading capture', pattern: '<foo> bar<fuzz>', line: ' bar', fields: [['foo', ''], ['fuzz', '']] },
    { name: 'missing literal: capture takes the rest', pattern: '<path>?<_>', line: '/api/plugins/status', fields: [['path', '/api/plugins/status']] },
    {
      name: 'common log format',
      pattern: '<ip> <userid> <user> [<_>] "<method> <path> <_>" <status> <size>',
      line: '127.0.0.1 user-identifier frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',
      fields: [['ip', '127.0.0.1'], ['userid', 'user-identifier'], ['user', 'frank'], ['method', 'GET'], ['path', '/apache_pb.gif'], ['status', '200'], ['size', '2326']],
    },
    { name: 'literal `<` and non-identifiers', pattern: '<1a> <x> <', line: '<1a> v <', fields: [['x', 'v']] },
    { name: 'unicode literal', pattern: '▶ <level> ', line: '▶ INFO route', fields: [['level', 'INFO']] },
    { name: 'empty line', pattern: '<a>', line: '', fields: [] },
  ];
  for (const c of cases) {
    it(c.name, () => expect(run(patternParser(c.pattern), c.line)).toEqual({ fields: c.fields, failure: undefined }));
  }

  it.each([
    ['no captures here', 'at least one capture is required'],
    ['<_> only <_>', 'at least one capture is required'],
    ['', 'parse error at line 1, col 1: syntax error: unexpected $end, expecting IDENTIFIER or LITERAL'],
    ['<a><b>', "found consecutive capture '<a><b>': invalid expression"],
    ['x<a><_>', "found consecutive capture '<a><_>': invalid expression"],
    ['<f> f<f>', 'duplicate capture name (f): invalid expression'],
  ])('refuses %j', (pattern, error) => expect(thrown(() => patternParser(pattern))).toBe(error));
});

describe('compileLinePattern', () => {
  const cases: { pattern: string; line: string; match: boolean }[] = [
    { pattern: '<_> foo <_>', line: 'a foo b', match: true },
    { pattern: '<_> foo <_>', line: ' foo b', match: false },
    { pattern: '<_> foo <_>', line: 'a foo ', match: false },
    { pattern: '<_> bar <_>', line: ' bar ', match: false },
    { pattern: '<_>bar<_>', line: ' bar ', match: true },
    { pattern: '<_> bar', line: 'foo bar baz', match: false },
    { pattern: '<_> baz', line: 'foo bar baz', match: true },
    { pattern: 'foo <_>', line: 'foo bar baz', match: true },
    // Loki searches for the first literal instead of anchoring it.
    { pattern: 'foo <_>', line: 'xx foo bar', match: true },
    { pattern: 'foo', line: 'foo', match: true },
    { pattern: 'foo', line: 'foox', match: false },
    { pattern: '<_>', line: 'anything', match: true },
    { pattern: '<_>', line: '', match: false },
    { pattern: '', line: '', match: true },
    { pattern: '', line: 'x', match: false },
    { pattern: 'a <_> a <_>', line: 'a x a y', match: true },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.pattern)} on ${JSON.stringify(c.line)}`, () => expect(compileLinePattern(c.pattern)(c.line)).toBe(c.match));
  }

  it.each([
    ['<_><_>', "found consecutive capture '<_><_>': invalid expression"],
    ['<_> <name>', "named captures are not allowed: found '<name>'"],
  ])('refuses %j', (pattern, error) => expect(thrown(() => compileLinePattern(pattern))).toBe(error));
});
