// Proves label filters keep, drop and mark lines as Loki's label_filter.go does (cases from label_filters.logqltest).
import { describe, expect, it } from 'vitest';
import { parseLogQL } from '../../../src/logql/parser.js';
import type { LabelFilter } from '../../../src/logql/ast.js';
import { compileLabelFilter } from '../../../src/logql/pipeline/label-filter.js';
import { Category, LabelsBuilder } from '../../../src/logql/pipeline/labels-builder.js';

/** The filter of `{x="y"} | <text>`. */
function filterOf(text: string): LabelFilter {
  const e = parseLogQL(`{x="y"} | ${text}`);
  if (e.kind !== 'log_selector' || e.stages[0]?.kind !== 'label_filter') throw new Error(`not a label filter: ${text}`);
  return e.stages[0].filter;
}

interface Case {
  name: string;
  filter: string;
  parsed: Record<string, string>;
  err?: string;
  keep: boolean;
  /** `__error__` and details after the filter ('' for none). */
  error?: string;
  details?: string;
}

const cases: Case[] = [
  { name: 'string equal', filter: 'name="alpha"', parsed: { name: 'alpha' }, keep: true },
  { name: 'regex is anchored', filter: 'name=~"alph"', parsed: { name: 'alpha' }, keep: false },
  { name: 'absent compares as empty', filter: 'name=""', parsed: {}, keep: true },
  { name: 'absent fails .+', filter: 'name=~".+"', parsed: {}, keep: false },
  { name: 'number', filter: 'status >= 500', parsed: { status: '500' }, keep: true },
  { name: 'number 200.0 == 200', filter: 'code == 200', parsed: { code: '200.0' }, keep: true },
  { name: 'number absent drops', filter: 'status > 400', parsed: {}, keep: false },
  {
    name: 'number fails to convert: kept with error',
    filter: 'status > 400',
    parsed: { status: 'oops' },
    keep: true,
    error: 'LabelFilterErr',
    details: 'strconv.ParseFloat: parsing "oops": invalid syntax',
  },
  { name: 'duration', filter: 'took > 1s', parsed: { took: '2s' }, keep: true },
  { name: 'duration 60m == 1h', filter: 'took == 1h', parsed: { took: '60m' }, keep: true },
  {
    name: 'duration without unit',
    filter: 'took > 1s',
    parsed: { took: '90' },
    keep: true,
    error: 'LabelFilterErr',
    details: 'time: missing unit in duration "90"',
  },
  { name: 'bytes', filter: 'size > 1MB', parsed: { size: '2048KiB' }, keep: true },
  { name: 'bytes lower-case value', filter: 'size > 1MB', parsed: { size: '3mb' }, keep: true },
  { name: 'ip', filter: 'addr = ip("10.0.0.0/8")', parsed: { addr: 'client 10.0.0.7:80' }, keep: true },
  { name: 'ip !=', filter: 'addr != ip("192.168.0.0/16")', parsed: { addr: 'notanip' }, keep: true },
  { name: 'ip != absent drops', filter: 'addr != ip("192.168.0.0/16")', parsed: {}, keep: false },
  { name: 'ip keeps errored lines', filter: 'addr = ip("1.2.3.0/24")', parsed: {}, err: 'JSONParserErr', keep: true, error: 'JSONParserErr' },
  { name: 'string drops errored line', filter: 'addr="1.2.3.4"', parsed: {}, err: 'JSONParserErr', keep: false, error: 'JSONParserErr' },
  { name: '__error__ filter', filter: '__error__=""', parsed: {}, err: 'JSONParserErr', keep: false, error: 'JSONParserErr' },
  { name: 'numeric __error__ filter drops', filter: '__error__ > 0', parsed: {}, err: 'LabelFilterErr', keep: false, error: 'LabelFilterErr' },
  {
    name: 'an earlier error keeps its details',
    filter: 'took > 1s',
    parsed: { took: 'oops' },
    err: 'JSONParserErr',
    keep: true,
    error: 'JSONParserErr',
  },
  { name: 'or short-circuits', filter: 'lvl="error" or took > 1s', parsed: { lvl: 'error', took: 'oops' }, keep: true },
  {
    name: 'or converts left first',
    filter: 'took > 1s or lvl="error"',
    parsed: { lvl: 'error', took: 'oops' },
    keep: true,
    error: 'LabelFilterErr',
    details: 'time: invalid duration "oops"',
  },
  {
    name: 'and runs both sides',
    filter: 'lvl="info" and took > 1s',
    parsed: { lvl: 'error', took: 'oops' },
    keep: false,
    error: 'LabelFilterErr',
    details: 'time: invalid duration "oops"',
  },
  {
    name: 'and: the right side decides after an error',
    filter: 'took > 1s and size < 1MB',
    parsed: { took: 'oops', size: '3MB' },
    keep: false,
    error: 'LabelFilterErr',
  },
  {
    name: 'first failing filter owns the details',
    filter: 'y > 1s and x > 1s',
    parsed: { x: 'nope', y: '90' },
    keep: true,
    error: 'LabelFilterErr',
    details: 'time: missing unit in duration "90"',
  },
  {
    name: 'bytes failure details',
    filter: 'z > 1MB and x > 1s',
    parsed: { x: 'nope', z: 'oops' },
    keep: true,
    error: 'LabelFilterErr',
    details: 'strconv.ParseFloat: parsing "": invalid syntax',
  },
  { name: 'and binds tighter than or', filter: 'x="1" or y="1" and z="1"', parsed: { x: '0', y: '1', z: '0' }, keep: false },
];

describe('compileLabelFilter', () => {
  it.each(cases)('$name', (c) => {
    const b = new LabelsBuilder([{ name: 'app', value: 'a' }]);
    b.reset();
    for (const [k, v] of Object.entries(c.parsed)) b.set(Category.Parsed, k, v);
    if (c.err !== undefined) b.setError(c.err, '');
    expect(compileLabelFilter(filterOf(c.filter))(b)).toBe(c.keep);
    expect(b.err).toBe(c.error ?? '');
    if (c.details !== undefined) expect(b.errDetails).toBe(c.details);
  });

  it('refuses an invalid ip pattern with Loki text', () => {
    expect(() => compileLabelFilter(filterOf('addr = ip("bogus")'))).toThrow('ip: invalid pattern: "bogus"');
  });
});
