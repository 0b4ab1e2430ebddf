// Proves that label_replace and label_join rewrite label sets as Prometheus 2.42 does:
// anchored RE2 matching, Go's $1/${1}/$name template expansion, empty results dropping
// the label, and Prometheus's error messages for bad regexes and label names.
import { describe, expect, it } from 'vitest';
import { labelJoin, labelJoiner, labelReplace, labelReplacer } from '../../../src/promql/functions/index.js';
import { labelsFromObject, type Labels } from '../../../src/model/labels.js';
import { CairnError } from '../../../src/util/errors.js';

const L = labelsFromObject;

const metric10 = L({ __name__: 'testmetric', src: 'source-value-10', dst: 'original-destination-value' });

describe('labelReplace', () => {
  const rows: { name: string; dst: string; repl: string; src: string; regex: string; input?: Labels; expected: Record<string, string> }[] = [
    { name: 'full-string match and replace', dst: 'dst', repl: 'destination-value-$1', src: 'src', regex: 'source-value-(.*)', expected: { __name__: 'testmetric', src: 'source-value-10', dst: 'destination-value-10' } },
    { name: 'no sub-string match', dst: 'dst', repl: 'destination-value-$1', src: 'src', regex: 'value-(.*)', expected: { __name__: 'testmetric', src: 'source-value-10', dst: 'original-destination-value' } },
    { name: 'multiple capture groups', dst: 'dst', repl: '$1-value-$2', src: 'src', regex: '(.*)-value-(.*)', expected: { __name__: 'testmetric', src: 'source-value-10', dst: 'source-value-10' } },
    { name: 'absent source, non-matching regex: unchanged', dst: 'dst', repl: 'value-$1', src: 'nonexistent-src', regex: 'source-value-(.*)', expected: { __name__: 'testmetric', src: 'source-value-10', dst: 'original-destination-value' } },
    { name: 'absent source matched by (.*)', dst: 'dst', repl: 'value-$1', src: 'nonexistent-src', regex: '(.*)', expected: { __name__: 'testmetric', src: 'source-value-10', dst: 'value-' } },
    { name: 'non-matching regex: unchanged', dst: 'dst', repl: 'value-$1', src: 'src', regex: 'non-matching-regex', expected: { __name__: 'testmetric', src: 'source-value-10', dst: 'original-destination-value' } },
    { name: 'empty result drops the label', dst: 'dst', repl: '', src: 'dst', regex: '.*', expected: { __name__: 'testmetric', src: 'source-value-10' } },
    { name: 'creates a new label in order', dst: 'a_new', repl: '$1', src: 'src', regex: 'source-(.*)', expected: { __name__: 'testmetric', a_new: 'value-10', src: 'source-value-10', dst: 'original-destination-value' } },
    { name: 'can rewrite the metric name', dst: '__name__', repl: 'renamed_$1', src: '__name__', regex: 'test(.*)', expected: { __name__: 'renamed_metric', src: 'source-value-10', dst: 'original-destination-value' } },
    // Template expansion, Go's Regexp.Expand rules.
    { name: '$1x is group "1x" (empty)', dst: 'dst', repl: '$1x', src: 'src', regex: '(.*)', expected: { __name__: 'testmetric', src: 'source-value-10' } },
    { name: '${1}x', dst: 'dst', repl: '${1}x', src: 'src', regex: 'source-(.*)', expected: { __name__: 'testmetric', src: 'source-value-10', dst: 'value-10x' } },
    { name: '$name', dst: 'dst', repl: '$num!', src: 'src', regex: 'source-value-(?P<num>\\d+)', expected: { __name__: 'testmetric', src: 'source-value-10', dst: '10!' } },
    { name: '${name}suffix', dst: 'dst', repl: '${num}s', src: 'src', regex: 'source-value-(?P<num>\\d+)', expected: { __name__: 'testmetric', src: 'source-value-10', dst: '10s' } },
    { name: '$0 is the whole match', dst: 'dst', repl: '<$0>', src: 'src', regex: 'source.*', expected: { __name__: 'testmetric', src: 'source-value-10', dst: '<source-value-10>' } },
    { name: '$$ is a literal $', dst: 'dst', repl: 'cost: $$1', src: 'src', regex: '(.*)', expected: { __name__: 'testmetric', src: 'source-value-10', dst: 'cost: $1' } },
    { name: 'trailing $ stays', dst: 'dst', repl: 'x$', src: 'src', regex: '.*', expected: { __name__: 'testmetric', src: 'source-value-10', dst: 'x$' } },
    { name: 'unclosed ${ stays literal', dst: 'dst', repl: '${1', src: 'src', regex: '(.*)', expected: { __name__: 'testmetric', src: 'source-value-10', dst: '${1' } },
    { name: 'missing group number expands to nothing', dst: 'dst', repl: 'a$10b', src: 'src', regex: '(.*)', expected: { __name__: 'testmetric', src: 'source-value-10', dst: 'a' } },
    { name: 'leading zero is a name, not a number', dst: 'dst', repl: '[${01}]', src: 'src', regex: '(.*)', expected: { __name__: 'testmetric', src: 'source-value-10', dst: '[]' } },
    { name: 'unmatched optional group expands to nothing', dst: 'dst', repl: '[$2]', src: 'src', regex: '(source)-(x)?.*', expected: { __name__: 'testmetric', src: 'source-value-10', dst: '[]' } },
    { name: 'unicode letters belong to the name', dst: 'dst', repl: '$1ä', src: 'src', regex: '(.*)', expected: { __name__: 'testmetric', src: 'source-value-10' } },
    { name: 'RE2 syntax: case-insensitive flag', dst: 'dst', repl: '$1', src: 'src', regex: '(?i)SOURCE-(.*)', expected: { __name__: 'testmetric', src: 'source-value-10', dst: 'value-10' } },
  ];
  it.each(rows)('$name', (r) => {
    const got = labelReplace(r.input ?? metric10, r.dst, r.repl, r.src, r.regex);
    expect(got).toEqual(L(r.expected));
  });

  it('returns the same object when nothing matches and never mutates the input', () => {
    const input = L({ a: 'x' });
    const copy = structuredClone(input);
    expect(labelReplace(input, 'dst', '$1', 'a', 'y')).toBe(input);
    labelReplace(input, 'a', 'z', 'a', '(.*)');
    expect(input).toEqual(copy);
  });

  const errors: { name: string; dst: string; regex: string; message: string }[] = [
    { name: 'invalid regex', dst: 'dst', regex: '(.*', message: 'invalid regular expression in label_replace(): (.*' },
    { name: 'invalid destination label name', dst: 'invalid-label-name', regex: '(.*)', message: 'invalid destination label name in label_replace(): invalid-label-name' },
    { name: 'empty destination label name', dst: '', regex: '(.*)', message: 'invalid destination label name in label_replace(): ' },
    { name: 'regex is checked before the name', dst: 'bad-name', regex: '(', message: 'invalid regular expression in label_replace(): (' },
    { name: '(?<name>) which Go 1.19 rejects', dst: 'dst', regex: '(?<n>.*)', message: 'invalid regular expression in label_replace(): (?<n>.*)' },
    { name: 'lookahead', dst: 'dst', regex: 'a(?=b)', message: 'invalid regular expression in label_replace(): a(?=b)' },
    { name: 'backreference', dst: 'dst', regex: '(a)\\1', message: 'invalid regular expression in label_replace(): (a)\\1' },
    { name: 'repetition over 1000', dst: 'dst', regex: 'a{1001}', message: 'invalid regular expression in label_replace(): a{1001}' },
  ];
  it.each(errors)('throws bad_data: $name', (r) => {
    const call = () => labelReplacer(r.dst, '$1', 'src', r.regex);
    expect(call).toThrow(CairnError);
    expect(call).toThrow(r.message);
    try {
      call();
    } catch (e) {
      expect((e as CairnError).kind).toBe('bad_data');
    }
  });

  it('accepts (?<…) inside a character class or escaped', () => {
    expect(() => labelReplacer('dst', '', 'src', '[(?<]+')).not.toThrow();
    expect(() => labelReplacer('dst', '', 'src', '\\(?<')).not.toThrow();
  });
});

describe('labelJoin', () => {
  const m = (o: Record<string, string>) => L({ __name__: 'testmetric', ...o });
  const ad = m({ src: 'a', src1: 'b', src2: 'c', dst: 'original-destination-value' });
  const rows: { name: string; input: Labels; dst: string; sep: string; srcs: string[]; expected: Labels }[] = [
    { name: 'joins all sources in order', input: ad, dst: 'dst', sep: '-', srcs: ['src', 'src1', 'src2'], expected: m({ src: 'a', src1: 'b', src2: 'c', dst: 'a-b-c' }) },
    { name: 'absent sources are empty strings', input: ad, dst: 'dst', sep: '-', srcs: ['src', 'src3', 'src1'], expected: m({ src: 'a', src1: 'b', src2: 'c', dst: 'a--b' }) },
    { name: 'empty result drops the destination', input: ad, dst: 'dst', sep: '', srcs: ['emptysrc', 'emptysrc1', 'emptysrc2'], expected: m({ src: 'a', src1: 'b', src2: 'c' }) },
    { name: 'no sources drops the destination', input: ad, dst: 'dst', sep: ', ', srcs: [], expected: m({ src: 'a', src1: 'b', src2: 'c' }) },
    {
      name: 'creates the destination',
      input: m({ src: 'foo', src1: 'bar', src2: 'foobar' }),
      dst: 'dst',
      sep: ', ',
      srcs: ['src', 'src1', 'src2'],
      expected: m({ src: 'foo', src1: 'bar', src2: 'foobar', dst: 'foo, bar, foobar' }),
    },
  ];
  it.each(rows)('$name', (r) => {
    expect(labelJoin(r.input, r.dst, r.sep, r.srcs)).toEqual(r.expected);
  });

  it.each([
    { dst: 'dst', srcs: ['src', 'in-valid'], message: 'invalid source label name in label_join(): in-valid' },
    { dst: 'in-valid', srcs: ['src'], message: 'invalid destination label name in label_join(): in-valid' },
    { dst: 'bad dst', srcs: ['1bad'], message: 'invalid source label name in label_join(): 1bad' }, // sources first
  ])('throws bad_data: $message', (r) => {
    expect(() => labelJoiner(r.dst, '-', r.srcs)).toThrow(r.message);
  });
});
