// Proves that parseExpr, parseSeriesSelector and the printers only ever return or throw a
// ParseError, on random text and on mutations of valid queries, and that anything that
// parses prints to text that parses to the same tree.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatExpr, parseExpr, parseSeriesSelector, prettyExpr, ParseError } from '../../../src/promql/parser/index.js';
import { stripSorted } from './helpers.js';

const SEEDS = [
  'sum by (job) (rate(http_requests_total{job="api",code=~"5.."}[5m] offset 1m)) / on (job) group_left sum(up)',
  'histogram_quantile(0.9, sum without (instance) (rate(foo_bucket[5m:30s] @ 100)))',
  'topk(5, -foo ^ 2 > bool 1) or absent(bar{a!="b"}) unless count_values("v", baz)',
  "label_replace(foo, 'dst', '$1', 'src', `(.*)`) + 0x1F * 1e3 - .5 % Inf",
  'max_over_time((foo and bar)[1h:] @ end()) # comment\n - quantile(0.5, x offset -5m)',
];

/** Pieces that make random text likely to get deep into the grammar. */
const TOKENS = [
  'foo', 'bar', 'sum', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless',
  'atan2', 'rate', 'topk', 'count_values', 'start', 'end', 'inf', 'NaN', '(', ')', '{', '}', '[', ']', ',', ':', '@', '+', '-',
  '*', '/', '%', '^', '==', '!=', '>', '<=', '=~', '!~', '=', '"a"', "'b'", '`c`', '"\\x', '1', '0x1f', '1e3', '.5', '5m',
  '1h30m', '0s', ' ', '\n', '#', 'é', '\u{1F600}', '\ud800',
];

function expectTotal(input: string): void {
  let e;
  try {
    e = parseExpr(input);
  } catch (err) {
    expect(err, JSON.stringify(input)).toBeInstanceOf(ParseError);
    return;
  }
  const text = formatExpr(e);
  expect(stripSorted(parseExpr(text)), JSON.stringify(input)).toEqual(stripSorted(e));
  expect(stripSorted(parseExpr(prettyExpr(e)))).toEqual(stripSorted(e));
}

function expectSelectorTotal(input: string): void {
  try {
    parseSeriesSelector(input);
  } catch (err) {
    expect(err, JSON.stringify(input)).toBeInstanceOf(ParseError);
  }
}

describe('parser is total', () => {
  it('on random strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        expectTotal(s);
        expectSelectorTotal(s);
      }),
      { seed: 42, numRuns: 3000 },
    );
  });

  it('on random token soups', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }), (parts) => {
        const s = parts.join('');
        expectTotal(s);
        expectSelectorTotal(s);
        expectTotal(parts.join(' '));
      }),
      { seed: 7, numRuns: 5000 },
    );
  });

  it('on mutations of valid queries', () => {
    const mutation = fc.record({
      seed: fc.constantFrom(...SEEDS),
      edits: fc.array(
        fc.record({ at: fc.nat(), kind: fc.constantFrom('delete', 'insert', 'replace'), text: fc.constantFrom(...TOKENS) }),
        { minLength: 1, maxLength: 4 },
      ),
    });
    fc.assert(
      fc.property(mutation, ({ seed, edits }) => {
        let s = seed;
        for (const { at, kind, text } of edits) {
          const i = at % (s.length + 1);
          if (kind === 'delete') s = s.slice(0, i) + s.slice(i + 1);
          else if (kind === 'insert') s = s.slice(0, i) + text + s.slice(i);
          else s = s.slice(0, i) + text + s.slice(i + text.length);
        }
        expectTotal(s);
      }),
      { seed: 1234, numRuns: 5000 },
    );
  });

  it('the seeds themselves parse', () => {
    for (const s of SEEDS) expect(() => parseExpr(s), s).not.toThrow();
  });

  it('deep nesting parses without blowing the stack', () => {
    const depth = 500;
    expectTotal(`${'('.repeat(depth)}1${')'.repeat(depth)}`);
    expectTotal(`${'-'.repeat(depth)}foo`);
    expectTotal(Array.from({ length: depth }, (_, i) => `m${i}`).join(' + '));
  });

  it('checks and prints long operator chains without recursion (upstream regression input)', () => {
    const started = Date.now();
    const q = `(${'-{}-1'.repeat(10000)})${'[1m:]'.repeat(1000)}`;
    expect(() => parseExpr(q)).toThrow('1:3: parse error: vector selector must contain at least one non-empty matcher');
    const chain = Array.from({ length: 20000 }, (_, i) => `m${i}`).join(' or ');
    expect(formatExpr(parseExpr(chain))).toBe(chain);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('absurd nesting is a ParseError, not a stack overflow', () => {
    const depth = 100_000;
    expect(() => parseExpr(`${'('.repeat(depth)}1${')'.repeat(depth)}`)).toThrow(ParseError);
    expect(() => parseExpr(`${'-'.repeat(depth)}foo`)).toThrow('1:1: parse error: expression is nested too deeply');
  });
});
