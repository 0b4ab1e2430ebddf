// Proves alert templates expand as Prometheus's do: Go's printing of $value, the humanize
// family, Prometheus's string and time functions, constant queries, and error texts.
import { describe, expect, it } from 'vitest';
import { labelsFromObject } from '../../src/model/labels.js';
import { AlertTemplateExpander } from '../../src/ruler/template.js';

const data = (value: number, labels: Record<string, string> = { instance: 'host-1.example.com:9100', job: 'node' }) => ({
  labels,
  externalLabels: { cluster: 'eu' },
  externalURL: 'http://cairn.example/base',
  value,
});

function expand(text: string, value = 1, queries = new Map<string, readonly { labels: ReturnType<typeof labelsFromObject>; v: number }[] | string>()): string {
  const e = new AlertTemplateExpander('__alert_T');
  e.ctx.tMs = 1_435_065_584_128;
  e.ctx.externalURL = 'http://cairn.example/base';
  e.ctx.queries = queries;
  return e.expand(text, data(value));
}

describe('alert templates', () => {
  it.each([
    // $value prints with Go's %v: shortest %g, exponent form when the exponent is < -4 or >= 6.
    { name: '$value 1', text: '{{ $value }}', value: 1, expected: '1' },
    { name: '$value 123456', text: '{{ $value }}', value: 123456, expected: '123456' },
    { name: '$value 0.0001', text: '{{ $value }}', value: 0.0001, expected: '0.0001' },
    { name: '$value 0.00001', text: '{{ $value }}', value: 0.00001, expected: '1e-05' },
    { name: '$value NaN', text: '{{ $value }}', value: NaN, expected: 'NaN' },
    { name: '$value +Inf', text: '{{ $value }}', value: Infinity, expected: '+Inf' },
    { name: '$value -Inf', text: '{{ .Value }}', value: -Infinity, expected: '-Inf' },
    { name: 'printf %.2f', text: '{{ printf "%.2f" $value }}', value: 3.14159, expected: '3.14' },
    { name: 'humanize big', text: '{{ humanize $value }}', value: 1234567, expected: '1.235M' },
    { name: 'humanize small', text: '{{ humanize $value }}', value: 0.001234, expected: '1.234m' },
    { name: 'humanize 0', text: '{{ humanize $value }}', value: 0, expected: '0' },
    { name: 'humanize string', text: '{{ humanize "2048" }}', value: 0, expected: '2.048k' },
    { name: 'humanize1024', text: '{{ humanize1024 $value }}', value: 1048576, expected: '1Mi' },
    { name: 'humanize1024 small', text: '{{ humanize1024 $value }}', value: 0.5, expected: '0.5' },
    { name: 'humanizeDuration days', text: '{{ humanizeDuration $value }}', value: 93784, expected: '1d 2h 3m 4s' },
    { name: 'humanizeDuration seconds', text: '{{ humanizeDuration $value }}', value: 1.5, expected: '1.5s' },
    { name: 'humanizeDuration ms', text: '{{ humanizeDuration $value }}', value: 0.0012, expected: '1.2ms' },
    { name: 'humanizeDuration 0', text: '{{ humanizeDuration $value }}', value: 0, expected: '0s' },
    { name: 'humanizePercentage', text: '{{ humanizePercentage $value }}', value: 0.1234, expected: '12.34%' },
    { name: 'humanizeTimestamp', text: '{{ humanizeTimestamp $value }}', value: 1435065584.128, expected: '2015-06-23 13:19:44.128 +0000 UTC' },
    { name: 'toTime', text: '{{ toTime $value }}', value: 0, expected: '1970-01-01 00:00:00 +0000 UTC' },
    { name: 'toDuration', text: '{{ toDuration $value }}', value: 90, expected: '1m30s' },
    { name: 'now', text: '{{ now }}', value: 0, expected: '1.435065584128e+09' },
    { name: 'labels', text: '{{ $labels.job }}/{{ .Labels.instance }}', value: 0, expected: 'node/host-1.example.com:9100' },
    { name: 'missing label is empty', text: '[{{ $labels.nope }}]', value: 0, expected: '[]' },
    { name: 'external labels and URL', text: '{{ $externalLabels.cluster }} {{ $externalURL }} {{ externalURL }} {{ pathPrefix }}', value: 0, expected: 'eu http://cairn.example/base http://cairn.example/base /base' },
    { name: 'title toUpper toLower', text: '{{ title "hello world" }} {{ toUpper "a" }} {{ toLower "B" }}', value: 0, expected: 'Hello World A b' },
    { name: 'stripPort', text: '{{ stripPort $labels.instance }} {{ stripPort "[::1]:80" }} {{ stripPort "nohost" }}', value: 0, expected: 'host-1.example.com ::1 nohost' },
    { name: 'stripDomain', text: '{{ stripDomain $labels.instance }} {{ stripDomain "10.0.0.1:80" }}', value: 0, expected: 'host-1:9100 10.0.0.1:80' },
    { name: 'match', text: '{{ if match "^host-[0-9]" $labels.instance }}yes{{ end }}', value: 0, expected: 'yes' },
    { name: 'reReplaceAll', text: '{{ reReplaceAll "(a+)" "X$1" "baaab" }}', value: 0, expected: 'bXaaab' },
    { name: 'parseDuration', text: '{{ parseDuration "1h30m" }}', value: 0, expected: '5400' },
    { name: 'urlQueryEscape', text: '{{ urlQueryEscape "a b&c" }}', value: 0, expected: 'a+b%26c' },
    { name: 'args', text: '{{ with args 1 "x" }}{{ .arg1 }}{{ end }}', value: 0, expected: 'x' },
    { name: 'safeHtml', text: '{{ safeHtml "<b>" }}', value: 0, expected: '<b>' },
    { name: 'tableLink', text: '{{ tableLink "up == 0" }}', value: 0, expected: '/graph?g0.expr=up+%3D%3D+0&g0.tab=1' },
    { name: 'no template', text: 'plain text', value: 0, expected: 'plain text' },
  ])('$name', ({ text, value, expected }) => {
    expect(expand(text, value)).toBe(expected);
  });

  it('prints $value exactly as Go %v for large numbers', () => {
    expect(expand('{{ $value }}', 1e6)).toBe('1e+06');
    expect(expand('{{ $value }}', 1234567)).toBe('1.234567e+06');
  });

  it('runs constant queries (first, value, label, sortByLabel, range)', () => {
    const q = new Map([['up', [
      { labels: labelsFromObject({ __name__: 'up', job: 'b' }), v: 0 },
      { labels: labelsFromObject({ __name__: 'up', job: 'a' }), v: 1 },
    ]]]);
    expect(expand('{{ with query "up" }}{{ . | first | value }}{{ end }}', 0, q)).toBe('0');
    expect(expand('{{ range query "up" | sortByLabel "job" }}{{ .Labels.job }}={{ .Value }} {{ end }}', 0, q)).toBe('a=1 b=0 ');
    expect(expand('{{ "up" | query | first | label "job" }}', 0, q)).toBe('b');
  });

  it('reports a query error and refuses run-time queries', () => {
    const q = new Map([['bad(', 'parse error']]);
    expect(expand('{{ query "bad(" }}', 0, q)).toMatch(/^<error expanding template: error executing template __alert_T: template: __alert_T:1:\d+: executing "__alert_T" at <query "bad\(">: error calling query: parse error>$/);
    expect(expand('{{ printf "up" | query }}', 0)).toContain('only constant query strings');
  });

  it.each([
    { name: 'undefined function', text: '{{ nosuch }}', expected: '<error expanding template: error parsing template __alert_T: template: __alert_T:1: function "nosuch" not defined>' },
    { name: 'unclosed action', text: '{{ $value', expected: /^<error expanding template: error parsing template __alert_T: template: __alert_T:1: / },
    { name: 'bad humanize argument', text: '{{ humanize "abc" }}', expected: /^<error expanding template: error executing template __alert_T: template: __alert_T:1:\d+: executing "__alert_T" at <humanize "abc">: error calling humanize: strconv.ParseFloat: parsing "abc": invalid syntax>$/ },
    { name: 'first of nothing', text: '{{ query "none" | first }}', expected: /error calling first: first\(\) called on vector with no elements>$/ },
  ])('error: $name', ({ text, expected }) => {
    const q = new Map([['none', []]]);
    const out = expand(text, 0, q);
    if (typeof expected === 'string') expect(out).toBe(expected);
    else expect(out).toMatch(expected);
  });
});
