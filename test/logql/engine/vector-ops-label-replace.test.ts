// Proves that compileLabelReplace follows Loki's label_replace: an anchored Go RE2 regex
// on the source label, Go's Regexp.Expand for the replacement, and a removed destination
// label when the expansion is empty.
import { describe, expect, it } from 'vitest';
import { compileLabelReplace } from '../../../src/logql/engine/vector-ops.js';
import { parseTemplate } from '../../../src/logql/engine/vector-label-replace.js';
import { LogQLParseError } from '../../../src/logql/parse-error.js';
import { plain, rows, smp, type Obj } from './vector-ops-helpers.js';

interface Case {
  readonly name: string;
  readonly args: readonly [dst: string, replacement: string, src: string, regex: string];
  readonly input: Obj;
  /** The output labels; null when the sample must come back untouched. */
  readonly expected: Obj | null;
}

const table: Case[] = [
  { name: '$1 from a capture', args: ['dst', '$1', 'src', 'a-(.*)'], input: { src: 'a-b' }, expected: { dst: 'b', src: 'a-b' } },
  { name: '${1} next to text', args: ['dst', '${1}x', 'src', 'a-(.*)'], input: { src: 'a-b' }, expected: { dst: 'bx', src: 'a-b' } },
  { name: '$1x is the group named 1x, i.e. empty, so dst goes', args: ['dst', '$1x', 'src', 'a-(.*)'], input: { dst: 'old', src: 'a-b' }, expected: { src: 'a-b' } },
  { name: '$0 is the whole match', args: ['dst', '<$0>', 'src', '.*'], input: { src: 'v' }, expected: { dst: '<v>', src: 'v' } },
  { name: '$$ is a dollar', args: ['dst', '$$1', 'src', '(.*)'], input: { src: 'v' }, expected: { dst: '$1', src: 'v' } },
  { name: '$name and ${name}', args: ['dst', '$h-${p}', 'src', '(?P<h>[^:]+):(?P<p>\\d+)'], input: { src: 'host:80' }, expected: { dst: 'host-80', src: 'host:80' } },
  { name: 'an unknown group expands to nothing', args: ['dst', 'x$9${nope}y', 'src', '(.*)'], input: { src: 'v' }, expected: { dst: 'xy', src: 'v' } },
  { name: 'a group that did not take part is empty', args: ['dst', '[$2]', 'src', '(a)|(b)'], input: { src: 'a' }, expected: { dst: '[]', src: 'a' } },
  { name: 'a lone $ and an unclosed ${ stay text', args: ['dst', 'a$-${x', 'src', '.*'], input: { src: 'v' }, expected: { dst: 'a$-${x', src: 'v' } },
  { name: 'no match leaves the sample alone', args: ['dst', '$1', 'src', 'x(.*)'], input: { src: 'a-b' }, expected: null },
  { name: 'the regex is anchored at both ends', args: ['dst', 'hit', 'src', 'b'], input: { src: 'abc' }, expected: null },
  { name: 'an absent source reads as empty', args: ['dst', 'hit', 'nope', ''], input: { src: 'v' }, expected: { dst: 'hit', src: 'v' } },
  { name: 'an empty result removes dst', args: ['dst', '', 'src', '.*'], input: { dst: 'old', src: 'v' }, expected: { src: 'v' } },
  { name: 'an empty result without dst leaves the labels as they were', args: ['dst', '$1', 'src', '(.*)'], input: { src: '' }, expected: null },
  { name: 'dst may be the source itself', args: ['src', 'new-$1', 'src', 'old-(.*)'], input: { src: 'old-x' }, expected: { src: 'new-x' } },
  { name: 'dst is inserted in label order', args: ['b', '$1', 'a', '(.*)'], input: { a: '1', c: '3' }, expected: { a: '1', b: '1', c: '3' } },
  { name: 'Unicode names end at non-name characters', args: ['dst', '${é}.', 'src', '(?P<é>.)'], input: { src: 'x' }, expected: { dst: 'x.', src: 'x' } },
  { name: 'dot does not match a newline', args: ['dst', 'hit', 'src', '.*'], input: { src: 'a\nb' }, expected: null },
  { name: 'leftmost-first alternation picks the first branch', args: ['dst', '$1', 'src', '(a|ab)(.*)'], input: { src: 'abc' }, expected: { dst: 'a', src: 'abc' } },
];

describe('compileLabelReplace', () => {
  it.each(table)('$name', ({ args, input, expected }) => {
    const replace = compileLabelReplace(...args);
    const s = smp(input, 7);
    const out = replace([s]);
    expect(out).toHaveLength(1);
    if (expected === null) expect(out[0]).toBe(s);
    else expect(plain(out)).toEqual(rows([expected, 7]));
  });

  it('maps every sample, keeps values and reuses results across steps', () => {
    const replace = compileLabelReplace('team', '$1', 'app', '(\\w+)-.*');
    const step1 = [smp({ app: 'web-1' }, 1), smp({ app: 'db-1' }, 2), smp({ other: 'x' }, 3)];
    const step2 = [smp({ app: 'web-1' }, 10), smp({ other: 'x' }, 30)];
    expect(plain(replace(step1), true)).toEqual([
      { labels: { app: 'web-1', team: 'web' }, v: 1 },
      { labels: { app: 'db-1', team: 'db' }, v: 2 },
      { labels: { other: 'x' }, v: 3 },
    ]);
    const out2 = replace(step2);
    expect(plain(out2, true)).toEqual([
      { labels: { app: 'web-1', team: 'web' }, v: 10 },
      { labels: { other: 'x' }, v: 30 },
    ]);
    expect(out2[1]).toBe(step2[1]);
  });

  it('refuses a regex Go would refuse, with Loki\'s wording', () => {
    expect(() => compileLabelReplace('d', '$1', 's', '(a')).toThrow(LogQLParseError);
    expect(() => compileLabelReplace('d', '$1', 's', '(a')).toThrow(/^parse error : invalid regex in label_replace: error parsing regexp: missing closing \)/);
    expect(() => compileLabelReplace('d', '$1', 's', '(?=a)')).toThrow(/invalid regex in label_replace/);
  });
});

describe('parseTemplate (Go Regexp.Expand syntax)', () => {
  const cases: { t: string; expected: ReturnType<typeof parseTemplate> }[] = [
    { t: '', expected: [] },
    { t: 'plain', expected: ['plain'] },
    { t: '$1', expected: [{ group: 1 }] },
    { t: '$10', expected: [{ group: 10 }] },
    { t: '$01', expected: [{ name: '01' }] },
    { t: '${1}0', expected: [{ group: 1 }, '0'] },
    { t: '$a_b-c', expected: [{ name: 'a_b' }, '-c'] },
    { t: '$$$1', expected: ['$', { group: 1 }] },
    { t: '$', expected: ['$'] },
    { t: '${}', expected: ['${}'] },
    { t: '$ ${x', expected: ['$ ${x'] },
    { t: 'a${b}c', expected: ['a', { name: 'b' }, 'c'] },
  ];
  it.each(cases)('$t', ({ t, expected }) => {
    expect(parseTemplate(t)).toEqual(expected);
  });
});
