// Proves that prettifyLogQL reproduces Loki's Prettify layout: one line up to 100 bytes,
// otherwise children split onto indented lines, and that its output parses back.
import { describe, expect, it } from 'vitest';
import { parseLogQL, prettifyLogQL } from '../../src/logql/index.js';

const cases: readonly { name: string; input: string; expected: string }[] = [
  { name: 'short query stays on one line', input: 'sum by (a) (rate({app="foo"} |= "x" [5m]))', expected: 'sum by (a)(rate({app="foo"} |= "x"[5m]))' },
  {
    name: 'long vector aggregation splits, the pipeline still fits',
    input: 'sum by (a) (count_over_time({app="foo"} |= "bar" | json | latency >= 250ms or status_code < 500 | line_format "{{.foo}}" [5m]))',
    expected: [
      'sum by (a)(',
      '  count_over_time(',
      '    {app="foo"} |= "bar" | json | ( latency>=250ms or status_code<500 ) | line_format "{{.foo}}" [5m]',
      '  )',
      ')',
    ].join('\n'),
  },
  {
    name: 'long pipeline: one stage per line, consecutive line filters together',
    input: '{app="foo", namespace="production", cluster="eu-west-1"} |= "error" != "timeout" | logfmt | level="error" | decolorize | line_format "{{.msg}}"',
    expected: [
      '{app="foo", namespace="production", cluster="eu-west-1"}',
      '  |= "error" != "timeout"',
      '  | logfmt',
      '  | level="error"',
      '| decolorize',
      '  | line_format "{{.msg}}"',
    ].join('\n'),
  },
  {
    name: 'binary operation with unwrap and offset',
    input:
      'quantile_over_time(0.99, {app="foo", namespace="production"} | json | unwrap duration(latency) | __error__="" [5m] offset 1h) by (pod) > on (pod) group_left (team) 10',
    expected: [
      '  quantile_over_time(',
      '    0.99,',
      '    {app="foo", namespace="production"} | json',
      '      | unwrap duration(latency)',
      '      | __error__="" [5m] offset 1h',
      '  ) by (pod)',
      '> on (pod) group_left (team)',
      '  10',
    ].join('\n'),
  },
];

describe('prettifyLogQL', () => {
  it.each(cases)('$name', ({ input, expected }) => {
    const expr = parseLogQL(input);
    const pretty = prettifyLogQL(expr);
    expect(pretty).toBe(expected);
    expect(parseLogQL(pretty)).toEqual(expr);
  });
});
