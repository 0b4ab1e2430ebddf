// Proves that label matchers follow Prometheus 2.42's `labels.NewMatcher`: anchored RE2
// with Go's syntax and default flags (`.` skips `\n`), Go's refusals and error text, and
// that every fast path answers exactly as RE2 does.
import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { matchesEmpty, newMatcher, type MatchType } from '../../src/model/matcher.js';
import { CairnError } from '../../src/util/errors.js';

interface Row {
  readonly name: string;
  readonly type: MatchType;
  readonly pattern: string;
  readonly yes: readonly string[];
  readonly no: readonly string[];
}

const rows: readonly Row[] = [
  { name: 'equal', type: '=', pattern: 'a', yes: ['a'], no: ['', 'ba', 'A'] },
  { name: 'equal empty', type: '=', pattern: '', yes: [''], no: ['a'] },
  { name: 'not equal', type: '!=', pattern: 'a', yes: ['', 'ba'], no: ['a'] },
  { name: 'regex literal is anchored', type: '=~', pattern: 'a', yes: ['a'], no: ['ba', 'ab', ''] },
  { name: 'regex anchored both ends', type: '=~', pattern: 'a.c', yes: ['abc', 'a-c'], no: ['xabc', 'abcx', 'a\nc'] },
  { name: 'not regex', type: '!~', pattern: 'a', yes: ['ba', ''], no: ['a'] },
  { name: 'alternation of literals', type: '=~', pattern: 'foo|bar', yes: ['foo', 'bar'], no: ['foobar', 'fo', ''] },
  { name: 'alternation with empty branch', type: '=~', pattern: 'foo|', yes: ['foo', ''], no: ['f'] },
  { name: 'alternation binds loosest', type: '=~', pattern: 'a|b.*', yes: ['a', 'b', 'bcd'], no: ['ab', 'ca'] },
  { name: 'grouped alternation', type: '=~', pattern: 'x(a|b)y', yes: ['xay', 'xby'], no: ['xy', 'xaby'] },
  { name: 'negated alternation', type: '!~', pattern: 'foo|bar', yes: ['baz', ''], no: ['foo', 'bar'] },
  { name: 'dot star', type: '=~', pattern: '.*', yes: ['', 'anything', 'é😀'], no: ['a\nb', '\n'] },
  { name: 'dot plus', type: '=~', pattern: '.+', yes: ['x', '😀'], no: ['', '\n'] },
  { name: 'not dot star', type: '!~', pattern: '.*', yes: ['a\nb'], no: ['', 'x'] },
  { name: 'prefix dot star', type: '=~', pattern: 'api-.*', yes: ['api-', 'api-x'], no: ['ap', 'xapi-', 'api-\n'] },
  { name: 'prefix dot plus', type: '=~', pattern: 'api.+', yes: ['apix'], no: ['api', 'api\n'] },
  { name: 'escaped prefix dot star', type: '=~', pattern: 'a\\.b.*', yes: ['a.b', 'a.bc'], no: ['axb'] },
  { name: 'suffix dot star', type: '=~', pattern: '.*_total', yes: ['_total', 'x_total'], no: ['x_totals', 'x\n_total'] },
  { name: 'suffix dot plus', type: '=~', pattern: '.+_total', yes: ['x_total'], no: ['_total'] },
  { name: 'contains', type: '=~', pattern: '.*err.*', yes: ['err', 'an error'], no: ['er', 'an\nerror'] },
  { name: 'lazy dot star', type: '=~', pattern: '.*?', yes: ['', 'abc'], no: ['\n'] },
  { name: 'quantified prefix', type: '=~', pattern: 'ab*c', yes: ['ac', 'abbc'], no: ['abd', 'bc'] },
  { name: 'optional prefix char', type: '=~', pattern: 'ab?', yes: ['a', 'ab'], no: ['b', 'abb'] },
  { name: 'newline needs (?s)', type: '=~', pattern: '(?s)a.*', yes: ['a\nb'], no: ['b'] },
  { name: 'literal newline in pattern', type: '=~', pattern: 'a\nb', yes: ['a\nb'], no: ['ab'] },
  { name: 'escaped newline', type: '=~', pattern: 'a\\nb', yes: ['a\nb'], no: ['anb'] },
  { name: 'negated class takes newline', type: '=~', pattern: '[^a]', yes: ['\n', 'b'], no: ['a'] },
  { name: 'unicode literal', type: '=~', pattern: 'é.', yes: ['é😀', 'éa'], no: ['é', 'e😀'] },
  { name: 'dot is one code point', type: '=~', pattern: '.', yes: ['😀', 'é'], no: ['😀😀', ''] },
  { name: 'unicode class \\pL', type: '=~', pattern: '\\pL+', yes: ['abc', 'héllo', 'Ωμέγα'], no: ['a1', ''] },
  { name: 'unicode script', type: '=~', pattern: '\\p{Greek}+', yes: ['Ωμέγα'], no: ['abc'] },
  { name: 'case folding (?i)', type: '=~', pattern: '(?i)foo', yes: ['foo', 'FOO', 'fOo'], no: ['fo'] },
  { name: 'scoped flags', type: '=~', pattern: 'a(?i:b)c', yes: ['aBc', 'abc'], no: ['ABC', 'abC'] },
  { name: 'perl classes', type: '=~', pattern: '\\d+\\s\\w', yes: ['12 a'], no: ['12a'] },
  { name: 'posix class', type: '=~', pattern: '[[:alpha:]]+', yes: ['abc'], no: ['a1'] },
  { name: 'class with ] and )', type: '=~', pattern: '[])]+', yes: [']', ')])'], no: ['('] },
  { name: 'quoted literal', type: '=~', pattern: '\\Qa.b/\\u0041\\E', yes: ['a.b/\\u0041'], no: ['axb/A'] },
  { name: 'unterminated quote', type: '=~', pattern: 'x\\Q(', yes: ['x('], no: ['x'] },
  { name: 'named group', type: '=~', pattern: '(?P<n>a)b', yes: ['ab'], no: ['a'] },
  { name: 'ungreedy flag', type: '=~', pattern: '(?U)a+', yes: ['aaa'], no: [''] },
  { name: 'hex escape', type: '=~', pattern: '\\x{1F600}', yes: ['😀'], no: ['x'] },
  { name: 'slash', type: '=~', pattern: 'a/b', yes: ['a/b'], no: ['a\\/b'] },
  { name: 'anchors inside', type: '=~', pattern: '^a$', yes: ['a'], no: ['ba'] },
  { name: 'empty regex', type: '=~', pattern: '', yes: [''], no: ['a'] },
];

describe('matching', () => {
  for (const row of rows) {
    it(row.name, () => {
      const m = newMatcher(row.type, 'l', row.pattern);
      expect(m).toMatchObject({ type: row.type, name: 'l', value: row.pattern });
      for (const v of row.yes) expect(m.matches(v), `${row.pattern} ${JSON.stringify(v)}`).toBe(true);
      for (const v of row.no) expect(m.matches(v), `${row.pattern} ${JSON.stringify(v)}`).toBe(false);
    });
  }
});

describe('matchesEmpty', () => {
  const cases: readonly [MatchType, string, boolean][] = [
    ['=', '', true],
    ['=', 'a', false],
    ['!=', '', false],
    ['!=', 'a', true],
    ['=~', '.*', true],
    ['=~', '.+', false],
    ['=~', 'a|', true],
    ['=~', 'a*', true],
    ['=~', 'a', false],
    ['!~', '.+', true],
    ['!~', '.*', false],
    ['!~', '', false],
  ];
  for (const [type, pattern, expected] of cases) {
    it(`${type}${JSON.stringify(pattern)} → ${expected}`, () => {
      expect(matchesEmpty(newMatcher(type, 'l', pattern))).toBe(expected);
    });
  }
});

describe('invalid patterns', () => {
  const cases: readonly { name: string; pattern: string; message: string }[] = [
    { name: 'missing paren', pattern: 'a(', message: 'error parsing regexp: missing closing ): `^(?:a()$`' },
    { name: 'unexpected paren', pattern: 'a)', message: 'error parsing regexp: unexpected ): `^(?:a))$`' },
    { name: 'paren escaping the wrapper', pattern: 'a)|(b', message: 'error parsing regexp: unexpected ): `a)|(b`' },
    { name: 'missing bracket', pattern: '[a', message: 'error parsing regexp: missing closing ]: `[a)$`' },
    { name: 'lookahead (JS only)', pattern: 'a(?=x)', message: 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`' },
    { name: 'negative lookahead', pattern: '(?!x)', message: 'invalid or unsupported Perl syntax: `(?!`' },
    { name: 'lookbehind', pattern: '(?<=x)a', message: 'invalid or unsupported Perl syntax: `(?<`' },
    { name: 'JS named group', pattern: '(?<n>a)', message: 'invalid or unsupported Perl syntax: `(?<`' },
    { name: 'backreference (JS only)', pattern: '(a)\\1', message: 'error parsing regexp: invalid escape sequence: `\\1`' },
    { name: 'JS \\u escape', pattern: '\\u0041', message: 'invalid escape sequence: `\\u`' },
    { name: 'JS \\c escape', pattern: '\\cA', message: 'invalid escape sequence: `\\c`' },
    { name: 'RE2 C++ \\C', pattern: 'a\\C', message: 'invalid escape sequence: `\\C`' },
    { name: 'JS long category name', pattern: '\\p{Letter}', message: 'invalid character class range: `\\p{Letter}`' },
    { name: 'JS script= name', pattern: '\\P{Script=Greek}', message: 'invalid character class range: `\\P{Script=Greek}`' },
    { name: 'unknown class', pattern: '\\p{Foo}', message: 'invalid character class range: `\\p{Foo}`' },
    { name: 'nested repetition', pattern: 'a**', message: 'invalid nested repetition operator: `**`' },
    { name: 'possessive', pattern: 'a++', message: 'invalid nested repetition operator: `++`' },
    { name: 'bare star', pattern: '*', message: 'missing argument to repetition operator: `*`' },
    { name: 'repeat count', pattern: 'x{1001}', message: 'invalid repeat count: `{1001}`' },
    { name: 'reversed range', pattern: '[z-a]', message: 'invalid character class range: `z-a`' },
    { name: '\\Z', pattern: 'a\\Z', message: 'invalid escape sequence: `\\Z`' },
    { name: 'trailing backslash', pattern: 'a\\', message: 'missing closing ): `^(?:a\\)$`' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      for (const type of ['=~', '!~'] as const) {
        let err: unknown;
        try {
          newMatcher(type, 'job', c.pattern);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(CairnError);
        const ce = err as CairnError;
        expect(ce.kind).toBe('bad_data');
        expect(ce.reason).toBe('invalid_regex');
        expect(ce.message).toContain(`invalid regular expression ${JSON.stringify(c.pattern)} for label job: `);
        expect(ce.message).toContain(c.message);
      }
    });
  }

  it('equality matchers never compile their value', () => {
    expect(newMatcher('=', 'l', 'a(').matches('a(')).toBe(true);
    expect(newMatcher('!=', 'l', '(?=x)').matches('x')).toBe(true);
  });
});

describe('values of any length', () => {
  it('matches values longer than the scratch buffer and shorter ones after them', () => {
    const m = newMatcher('=~', 'l', 'a[0-9]+b');
    const long = `a${'7'.repeat(30_000)}b`;
    expect(m.matches(long)).toBe(true);
    expect(m.matches(`${long}c`)).toBe(false);
    expect(m.matches('a1b')).toBe(true);
    expect(m.matches('a1')).toBe(false);
    expect(m.matches(`a${'é'.repeat(20_000)}b`)).toBe(false);
  });
});

describe('fast paths agree with RE2', () => {
  // Every shortcut is checked against RE2 itself on a mix of values, newlines included.
  const patterns = [
    'abc', 'a|b|', '.*', '.+', '.*?', 'foo.*', 'foo.+', '.*foo', '.+foo', '.*foo.*', 'f\\.o.*', '.*a\\-b',
    'ab*c', 'ab?', 'a\\.*b', 'ab{2}', 'ab+c', 'foo(bar|baz)', 'foo[0-9]+', 'x|y.*', '\\Qa.b\\E.*', 'é.*',
  ];
  const values = ['', 'a', 'abc', 'ac', 'abbc', 'foo', 'foobar', 'foobaz', 'foo1', 'xfoo', 'xfoox', 'foo\n', '\nfoo',
    'x\nfoox', 'f.o', 'f.oo', 'fxo', 'a-b', 'za-b', 'a..b', 'ab', 'abb', 'a.b', 'a.bz', 'éx', 'é\n', 'x', 'y', 'yz', 'b'];
  for (const p of patterns) {
    it(p, () => {
      const re = new RE2(Buffer.from(`^(?:${p})$`), 'u');
      const m = newMatcher('=~', 'l', p);
      for (const v of values) expect(m.matches(v), `${p} ${JSON.stringify(v)}`).toBe(re.test(v));
    });
  }
});
